import { open, type FileHandle } from 'node:fs/promises';
import { RegctlError } from '../errors.js';
import type { ChunkSource, ChunkWriter } from '../util/chunk-source.js';
import { fsError } from '../util/fs-error.js';

/** Bytes of each read buffer. */
const PIECE_BYTES = 1024 * 1024;
/**
 * Buffers each pump rotates through: one being read while the others are written. Each is read
 * into again only after the writer took it (its promise resolved).
 */
const PIECES = 3;

/**
 * A blob file of a layout as a {@link ChunkSource}: positional reads into a few rotating 1 MiB
 * buffers, each handed to the writer as it is filled (push from the cache, issue 13). Replayable:
 * every pump reads the file from the start, so an upload may be sent again.
 */
export class FileChunkSource implements ChunkSource {
  readonly replayable = true;
  private first: FileHandle | undefined;

  /** `handle` is the blob's file, already opened and checked to hold `size` bytes; it is closed by the first pump or by cancel. */
  constructor(
    handle: FileHandle,
    readonly size: number,
    private readonly path: string,
    private readonly digest: string,
  ) {
    this.first = handle;
  }

  async pump(write: ChunkWriter): Promise<void> {
    let fh = this.first;
    this.first = undefined;
    try {
      fh ??= await open(this.path, 'r');
    } catch (err) {
      throw fsError('cannot read', this.path, err);
    }
    let failure: unknown;
    const taken: Array<Promise<void> | undefined> = new Array<Promise<void> | undefined>(PIECES).fill(undefined);
    const buffers: Buffer[] = [];
    try {
      let position = 0;
      for (let i = 0; position < this.size; i = (i + 1) % PIECES) {
        await taken[i];
        if (failure) throw failure;
        const buffer = (buffers[i] ??= Buffer.allocUnsafeSlow(PIECE_BYTES));
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh.read(buffer, 0, Math.min(PIECE_BYTES, this.size - position), position));
        } catch (err) {
          throw fsError('cannot read', this.path, err);
        }
        if (bytesRead === 0) {
          throw new RegctlError('integrity', `blob ${this.digest} is truncated: the file ${this.path} ended at ${position} of ${this.size} bytes`);
        }
        position += bytesRead;
        const pending = write(buffer.subarray(0, bytesRead));
        // Kept as a promise that never rejects: a failure is noticed before the next read, not as an unhandled rejection.
        taken[i] = pending?.then(
          () => undefined,
          (err: unknown) => {
            failure ??= err;
          },
        );
      }
      await Promise.all(taken);
      if (failure) throw failure;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  cancel(): void {
    const fh = this.first;
    this.first = undefined;
    void fh?.close().catch(() => undefined);
  }
}
