/** Longest chunk-size line (with extensions) or trailer line accepted; undici's parser is as strict. */
const MAX_LINE = 4096;

type Phase = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1) as its bytes arrive in pieces of any size:
 * `push` hands each piece of data to `out` (a view into the input, valid during the call) and
 * returns how many input bytes belong to the body — fewer than given once the last chunk and the
 * trailer section ended. Malformed framing throws.
 */
export class ChunkedDecoder {
  private phase: Phase = 'size';
  private line = '';
  private remaining = 0;

  constructor(private readonly out: (data: Uint8Array) => void) {}

  /** True once the whole body (last chunk and trailers) was read. */
  get done(): boolean {
    return this.phase === 'done';
  }

  /** Decodes `input`; returns the bytes of it that were part of the body. */
  push(input: Uint8Array): number {
    let i = 0;
    while (i < input.length && this.phase !== 'done') {
      if (this.phase === 'data') {
        const n = Math.min(this.remaining, input.length - i);
        this.out(input.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.phase = 'data-end';
        continue;
      }
      const byte = input[i++] as number;
      if (byte !== 0x0a) {
        this.line += String.fromCharCode(byte);
        if (this.line.length > MAX_LINE) throw new Error('chunked body: line too long');
        continue;
      }
      if (!this.line.endsWith('\r')) throw new Error('chunked body: bare LF');
      const text = this.line.slice(0, -1);
      this.line = '';
      this.endLine(text);
    }
    return i;
  }

  private endLine(text: string): void {
    if (this.phase === 'data-end') {
      if (text !== '') throw new Error('chunked body: data longer than its chunk size');
      this.phase = 'size';
    } else if (this.phase === 'size') {
      const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(text);
      if (!m) throw new Error('chunked body: invalid chunk size');
      this.remaining = Number.parseInt(m[1] as string, 16);
      this.phase = this.remaining === 0 ? 'trailer' : 'data';
    } else if (this.phase === 'trailer' && text === '') {
      this.phase = 'done';
    }
  }
}
