import { Readable } from 'node:stream';
import { ChunkedDecoder } from './chunked-decoder.js';
import { bodyFraming, headEnd, MAX_HEAD_BYTES, parseResponseHead, type ResponseHead } from './response-head.js';

/**
 * Takes one piece of a response body. The bytes are only valid during the call (they sit in the
 * connection's reused read buffer) — or, when the sink returns a promise, until it resolves: the
 * connection reads nothing meanwhile (a copy pump writing the piece to another socket). A sink
 * that throws or rejects fails the exchange with its own error (a full disk, a blob longer than
 * promised, a destination that failed), never a network error.
 */
export type BodySink = (chunk: Uint8Array) => void | Promise<void>;

/** Thrown by an exchange whose answer the fast path does not read (chunked, odd head): undici takes the request. */
export class FastFallback extends Error {
  constructor(why: string) {
    super(`fast path declined: ${why}`);
    this.name = 'FastFallback';
  }
}

/** What an exchange needs from its connection. */
export interface ExchangeHost {
  /** Stops reading the socket (no consumer yet, or one that cannot take more). */
  pause(): void;
  resume(): void;
  /** The exchange ended: the connection may serve another request when `reusable`. */
  finished(reusable: boolean): void;
  /** The exchange failed: the connection is destroyed. */
  failed(): void;
}

type State = 'head' | 'body' | 'done' | 'failed';

function connectionError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One request/response on a fast connection: parses the head, then hands the body — exactly
 * Content-Length bytes, or a chunked body decoded — to a sink ({@link consume}) or, for small answers read by generic code
 * (errors, redirects), to a Readable of copies ({@link stream}).
 */
export class FastExchange {
  /** Resolves with the head, or rejects (a FastFallback, a network error, an abort). */
  readonly head: Promise<ResponseHead>;
  /** True once any byte of the answer arrived (a reused connection closed before that may be retried). */
  sawBytes = false;
  /** True while the request body is being written: a silence then is a server that stopped reading it. */
  sending = false;
  /** Turns a connection error into the caller's error (the transport names the host); a sink's own error is kept. */
  mapError: (err: Error) => Error = (err) => err;
  private state: State = 'head';
  private headParts: Buffer[] = [];
  private headLength = 0;
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined;
  private reusable = true;
  private pending: Buffer[] = [];
  private sink: BodySink | undefined;
  private readable: Readable | undefined;
  private settleHead!: { resolve: (h: ResponseHead) => void; reject: (e: Error) => void };
  private settleBody: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private error: Error | undefined;
  /** Pieces a sink has not taken yet: their bytes may sit in the read buffer, so nothing is read meanwhile. */
  private inFlight = 0;
  /** The body ended while pieces were in flight: the exchange finishes when they were taken. */
  private finishing = false;

  /** `bodyless`: the answer has no body whatever its head says (the answer to a HEAD request). */
  constructor(
    private readonly host: ExchangeHost,
    private readonly bodyless = false,
  ) {
    this.head = new Promise((resolve, reject) => {
      this.settleHead = { resolve, reject };
    });
    // A head nobody awaits (the request was abandoned) must not become an unhandled rejection.
    this.head.catch(() => undefined);
  }

  /** Bytes from the socket, valid only during the call. */
  onBytes(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.sawBytes = true;
    if (this.state === 'head') this.onHeadBytes(chunk);
    else if (this.state === 'body') this.onBodyBytes(chunk);
    // Bytes after the answer, or after a failure: the connection cannot be trusted with another request.
    else this.reusable = false;
  }

  /** The socket closed (or failed with `err`) while this exchange was current. */
  onClose(err: Error | undefined): void {
    if (this.state === 'done' || this.state === 'failed') return;
    // undici's codes, so both body paths say the same and retry alike.
    if (err) this.fail(err);
    else if (this.state === 'body') this.fail(connectionError('other side closed before the whole body arrived', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'));
    else this.fail(connectionError('other side closed', 'UND_ERR_SOCKET'));
  }

  /** The server was silent for the timeout. */
  onTimeout(): void {
    if (this.state === 'head' && this.sending) this.fail(connectionError('the server stopped reading the request body', 'REGCTL_SEND_STALLED'));
    else if (this.state === 'head') this.fail(connectionError('no response headers in time', 'UND_ERR_HEADERS_TIMEOUT'));
    else if (this.state === 'body') this.fail(connectionError('body stalled', 'UND_ERR_BODY_TIMEOUT'));
  }

  /** Fails the exchange (abort, timeout, connection loss, a throwing sink); the connection is destroyed. */
  fail(cause: Error, fromSink = false): void {
    if (this.state === 'done' || this.state === 'failed') return;
    const err = fromSink || cause instanceof FastFallback ? cause : this.mapError(cause);
    const wasHead = this.state === 'head';
    this.state = 'failed';
    this.error = err;
    this.pending = [];
    if (wasHead) this.settleHead.reject(err);
    this.settleBody?.reject(err);
    this.readable?.destroy(err);
    this.host.failed();
  }

  /**
   * Delivers the body to `sink`, chunk by chunk, straight from the read buffer; resolves when the
   * last of Content-Length bytes was taken. Call once, instead of reading {@link stream}.
   */
  consume(sink: BodySink): Promise<void> {
    if (this.sink || this.readable) return Promise.reject(new Error('the response body is already being read'));
    if (this.error) return Promise.reject(this.error);
    this.sink = sink;
    const done = new Promise<void>((resolve, reject) => {
      this.settleBody = { resolve, reject };
    });
    for (const part of this.pending.splice(0)) {
      if (!this.callSink(part)) return done;
    }
    // Pieces still in flight: drained() goes on once they were taken.
    if (this.inFlight > 0) return done;
    if (this.state === 'done') this.settleBody?.resolve();
    else this.host.resume();
    return done;
  }

  /** The body as a Readable of copies, for small answers read by generic code. */
  stream(): Readable {
    if (this.readable) return this.readable;
    if (this.sink) throw new Error('the response body is already being consumed');
    this.readable = new Readable({
      read: () => {
        if (this.state === 'body') this.host.resume();
      },
      // A body abandoned before its end takes its connection with it (it would otherwise be read to the end).
      destroy: (err, callback) => {
        if (this.state === 'body') this.fail(err ?? Object.assign(new Error('the response body was abandoned'), { name: 'AbortError', code: 'ABORT_ERR' }));
        callback(err);
      },
    });
    for (const part of this.pending.splice(0)) this.readable.push(part);
    if (this.error) this.readable.destroy(this.error);
    else if (this.state === 'done') this.readable.push(null);
    return this.readable;
  }

  private onHeadBytes(chunk: Buffer): void {
    // Usually the whole head is in the first read: then only the body part is looked at again.
    let all: Buffer;
    if (this.headParts.length === 0) all = chunk;
    else {
      this.headParts.push(chunk);
      this.headLength += chunk.length;
      all = Buffer.concat(this.headParts, this.headLength);
    }
    const end = headEnd(all.subarray(0, MAX_HEAD_BYTES + 4));
    if (end < 0) {
      if (all.length > MAX_HEAD_BYTES) {
        this.fail(new FastFallback('oversized response head'));
        return;
      }
      // The read buffer is reused: what is kept of an unfinished head is copied.
      this.headParts = [Buffer.from(all)];
      this.headLength = all.length;
      return;
    }
    const head = parseResponseHead(all.subarray(0, end - 4).toString('latin1'));
    if (!head) {
      this.fail(new FastFallback('unusual response head'));
      return;
    }
    const framing = this.bodyless && head.status >= 200 ? ({ kind: 'none' } as const) : bodyFraming(head);
    if (framing.kind === 'unsupported') {
      this.fail(new FastFallback(framing.why));
      return;
    }
    const connection = String(head.headers['connection'] ?? '').toLowerCase();
    if (head.minor === 0 || /\bclose\b/.test(connection)) this.reusable = false;
    this.headParts = [];
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    if (framing.kind === 'chunked') {
      this.decoder = new ChunkedDecoder((data) => {
        if (this.state === 'body') this.deliver(data as Buffer);
      });
    }
    this.state = 'body';
    const rest = all.subarray(end);
    if (this.remaining === 0 && !this.decoder) {
      if (rest.length > 0) this.reusable = false;
      this.finish();
    } else if (rest.length > 0) {
      this.onBodyBytes(rest);
    }
    // Until someone takes the body, nothing more is read.
    if (this.state === 'body' && !this.sink && !this.readable) this.host.pause();
    this.settleHead.resolve(head);
  }

  private onBodyBytes(chunk: Buffer): void {
    if (this.decoder) {
      let used: number;
      try {
        used = this.decoder.push(chunk);
      } catch (err) {
        this.fail(connectionError((err as Error).message, 'HPE_INVALID_CHUNK_SIZE'));
        return;
      }
      if (this.state !== 'body') return;
      if (used < chunk.length) this.reusable = false;
      if (this.decoder.done) this.finish();
      return;
    }
    if (chunk.length > this.remaining) {
      this.reusable = false;
      chunk = chunk.subarray(0, this.remaining);
    }
    if (!this.deliver(chunk)) return;
    this.remaining -= chunk.length;
    if (this.remaining === 0) this.finish();
  }

  /** Hands body bytes to whoever reads them, or keeps copies until someone does; false when the sink threw. */
  private deliver(chunk: Buffer): boolean {
    if (this.sink) return this.callSink(chunk);
    if (this.readable) {
      if (!this.readable.push(Buffer.from(chunk))) this.host.pause();
    } else {
      this.pending.push(Buffer.from(chunk));
    }
    return true;
  }

  /**
   * Hands a chunk to the sink; false when the sink threw (the exchange then failed with its error).
   * A sink that takes it later (a promise) pauses the connection until every piece in flight was taken.
   */
  private callSink(chunk: Buffer): boolean {
    let taken: void | Promise<void>;
    try {
      taken = (this.sink as BodySink)(chunk);
    } catch (err) {
      this.fail(err as Error, true);
      return false;
    }
    if (taken instanceof Promise) {
      this.inFlight++;
      // Only while the body is still arriving: after its end the connection may already serve another request.
      if (this.state === 'body') this.host.pause();
      taken.then(
        () => {
          this.inFlight--;
          if (this.inFlight === 0) this.drained();
        },
        (err: unknown) => this.fail(err as Error, true),
      );
    }
    return true;
  }

  /** Every piece in flight was taken: finish the body, or read on. */
  private drained(): void {
    if (this.state === 'body') {
      if (this.finishing) this.finish();
      else this.host.resume();
    } else if (this.state === 'done') this.settleBody?.resolve();
  }

  private finish(): void {
    if (this.inFlight > 0) {
      this.finishing = true;
      return;
    }
    this.state = 'done';
    this.readable?.push(null);
    if (this.sink) this.settleBody?.resolve();
    this.host.finished(this.reusable);
  }
}
