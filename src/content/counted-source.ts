import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { watchWriter, type ChunkSource, type ChunkWriter } from '../util/chunk-source.js';

/**
 * A {@link ChunkSource} that counts the bytes of another as they go to the writer: reports the
 * running total at most every 100 ms and checks it against the descriptor's size (more, or fewer at
 * the end: an integrity error naming the digest). {@link failure} keeps the source's own failure —
 * a bad size or an error of the source itself, not one of the writer — so a copy can blame the source.
 */
export class CountedSource implements ChunkSource {
  /** The source's own failure, if it failed. */
  failure: Error | undefined;
  readonly size: number;

  constructor(
    private readonly inner: ChunkSource,
    private readonly desc: Descriptor,
    private readonly report: (bytes: number) => void,
  ) {
    this.size = inner.size;
  }

  get replayable(): boolean {
    return this.inner.replayable;
  }

  async pump(write: ChunkWriter): Promise<void> {
    let total = 0;
    let last = 0;
    const writer = watchWriter(write);
    const { desc } = this;
    try {
      await this.inner.pump((chunk) => {
        total += chunk.length;
        if (total > desc.size) {
          this.failure = new RegctlError('integrity', `blob ${desc.digest} is larger than its declared size ${desc.size}`);
          throw this.failure;
        }
        const now = Date.now();
        if (now - last >= 100) {
          last = now;
          this.report(total);
        }
        return writer.write(chunk);
      });
    } catch (err) {
      if (!writer.failed) this.failure ??= err as Error;
      throw err;
    }
    if (total !== desc.size) {
      this.failure = new RegctlError('integrity', `blob ${desc.digest} is truncated: expected ${desc.size} bytes, got ${total}`);
      throw this.failure;
    }
    this.report(total);
  }

  cancel(): void {
    this.inner.cancel();
  }
}
