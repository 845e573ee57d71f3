import { Readable } from 'node:stream';

/**
 * Takes one piece of a body. The piece's buffer belongs to the source again once the returned
 * promise resolved (or at once when nothing is returned): a writer that keeps bytes longer copies them.
 */
export type ChunkWriter = (chunk: Uint8Array) => void | Promise<void>;

/**
 * A body of known size that writes itself, piece by piece, into a {@link ChunkWriter}: no stream
 * chain between a file or a download and the socket of an upload (issue 13).
 */
export interface ChunkSource {
  /** Bytes the body holds. */
  readonly size: number;
  /** True when {@link pump} may be called again and sends the same bytes (a file); false for a one-shot download. */
  readonly replayable: boolean;
  /**
   * Sends every byte, in order, to `write`, waiting for each promise it returns before reusing that
   * piece's buffer; resolves once the last piece was taken. Rejects with the source's error (a
   * RegctlError naming the source) or with the one `write` threw.
   */
  pump(write: ChunkWriter): Promise<void>;
  /** Releases what the source holds (a file, a connection) when it will not be pumped to its end. */
  cancel(): void;
}

/**
 * A Readable over a {@link ChunkSource}: generic code reads it as any stream (copies of each
 * piece), while a consumer that writes pieces itself — the transport's socket fast path — takes the
 * source with {@link takeSource} before the stream started to flow.
 */
export class SourceReadable extends Readable {
  /** The body this stream reads. */
  readonly source: ChunkSource;
  private started = false;
  /** Pieces pushed past the high-water mark wait here for the next read (a source may have several in flight). */
  private waiting: Array<() => void> = [];

  constructor(source: ChunkSource) {
    super({ highWaterMark: 1024 * 1024 });
    this.source = source;
  }

  /** The source, for a consumer that pumps it itself; undefined once the stream began to flow (or was taken). */
  takeSource(): ChunkSource | undefined {
    if (this.started || this.destroyed) return undefined;
    this.started = true;
    return this.source;
  }

  override _read(): void {
    if (this.waiting.length > 0) {
      for (const wake of this.waiting.splice(0)) wake();
      return;
    }
    if (this.started) return;
    this.started = true;
    this.source
      .pump((chunk) => {
        if (this.destroyed) throw Object.assign(new Error('the stream was destroyed'), { name: 'AbortError', code: 'ABORT_ERR' });
        if (this.push(Buffer.from(chunk))) return undefined;
        return new Promise<void>((resolve) => {
          this.waiting.push(resolve);
        });
      })
      .then(
        () => this.push(null),
        (err: Error) => this.destroy(err),
      );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.source.cancel();
    for (const wake of this.waiting.splice(0)) wake();
    callback(err);
  }
}

/** A writer that remembers whether it failed, so a source can tell its own failures from its writer's. */
export interface WatchedWriter {
  /** The writer to pump into. */
  write: ChunkWriter;
  /** True once the wrapped writer threw or rejected. */
  readonly failed: boolean;
}

/** Wraps `write` so that its failures are noticed (see {@link WatchedWriter}). */
export function watchWriter(write: ChunkWriter): WatchedWriter {
  const watched = {
    failed: false,
    write: (chunk: Uint8Array): void | Promise<void> => {
      let taken: void | Promise<void>;
      try {
        taken = write(chunk);
      } catch (err) {
        watched.failed = true;
        throw err;
      }
      return taken?.catch((err: unknown) => {
        watched.failed = true;
        throw err;
      });
    },
  };
  return watched;
}

/** The ChunkSource a request body can be sent from without reading it as a stream, if it has one. */
export function takeChunkSource(body: unknown): ChunkSource | undefined {
  return body instanceof SourceReadable ? body.takeSource() : undefined;
}
