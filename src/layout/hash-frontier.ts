import { createHash, type Hash } from 'node:crypto';
import { addRange, coveredBytes, gaps, type ByteRange } from './byte-ranges.js';
import type { Checkpoint } from './ingest-files.js';

/** Reads `length` bytes at `position` of the file being written into `buffer`; returns how many (> 0), or throws. */
export type ReadBack = (buffer: Buffer, length: number, position: number) => number;

const SCRATCH_BYTES = 1024 * 1024;

/**
 * The running digest of a blob whose bytes may arrive out of order (parallel Range segments): the
 * hash follows the lowest unwritten offset, and the ranges written beyond it wait until the gap
 * before them closes — then they are read back from the file and hashed.
 */
export class HashFrontier {
  /** Bytes hashed: every byte below this offset was written and is in the hash. */
  hashed: number;
  /** Ranges written beyond {@link hashed}, not hashed yet. */
  ranges: ByteRange[];
  private hash: Hash;
  private scratch: Buffer | undefined;

  /** Starts at 0, or where a checkpoint (with the hash state it was checked with) left off. */
  constructor(
    private readonly algorithm: 'sha256' | 'sha512',
    from?: { hash: Hash; checkpoint: Checkpoint },
  ) {
    this.hash = from?.hash ?? createHash(algorithm);
    this.hashed = from?.checkpoint.offset ?? 0;
    this.ranges = from ? [...from.checkpoint.ranges] : [];
  }

  /** Bytes written so far, hashed or not. */
  get held(): number {
    return this.hashed + coveredBytes(this.ranges);
  }

  /** The ranges of a blob of `size` bytes not written yet. */
  missing(size: number): Array<[number, number]> {
    return gaps([[0, this.hashed], ...this.ranges], 0, size);
  }

  /** Notes `chunk`, written at `position`: hashed now when it continues the hashed bytes (then what it joins, read back), else kept as a range. */
  wrote(chunk: Uint8Array, position: number, readBack: ReadBack): void {
    if (position !== this.hashed) {
      this.ranges = addRange(this.ranges, position, position + chunk.length);
      return;
    }
    this.hash.update(chunk);
    this.hashed += chunk.length;
    while (this.ranges.length > 0 && (this.ranges[0] as ByteRange)[0] <= this.hashed) {
      const [, end] = this.ranges.shift() as ByteRange;
      this.scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
      while (this.hashed < end) {
        const n = readBack(this.scratch, Math.min(SCRATCH_BYTES, end - this.hashed), this.hashed);
        this.hash.update(this.scratch.subarray(0, n));
        this.hashed += n;
      }
    }
  }

  /** The digest of the bytes hashed so far (`alg:hex`). */
  digest(): string {
    return `${this.algorithm}:${this.hash.copy().digest('hex')}`;
  }

  /** Where the hash stands, as a record stores it. */
  snapshot(): Checkpoint {
    return { offset: this.hashed, digest: this.digest(), ranges: [...this.ranges] };
  }
}
