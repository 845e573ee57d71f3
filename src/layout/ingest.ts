import { close, fdatasync, fstat, fsync, ftruncate, ftruncateSync, open, readSync, writeSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { DigestMismatchError, RegctlError } from '../errors.js';
import type { BlobIngest } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { fsError } from '../util/fs-error.js';
import { HashFrontier } from './hash-frontier.js';
import { blobExists, blobPath, sweepDeadTemps, tempPath } from './blobs.js';
import { atExit, claimIngest, ingestPaths, readRecord, RecordWriter, releaseIngest, type Checkpoint, type IngestPaths } from './ingest-files.js';
import { resumePoint, type Resume } from './ingest-resume.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const syncFd = promisify(fsync);
const datasyncFd = promisify(fdatasync);
const statFd = promisify(fstat);
const truncateFd = promisify(ftruncate);

/**
 * Bytes written between two un-awaited fdatasync calls (issue 13): writeback spreads over the
 * transfer, so the final fsync before the rename no longer waits for the whole blob. Also how far
 * a killed pull can be behind its record.
 */
export const SYNC_EVERY_BYTES = 16 * 1024 * 1024;
/** Bytes written between two records of where the writer is (what a killed pull keeps: the page cache has it). */
export const RECORD_EVERY_BYTES = 4 * 1024 * 1024;

/** Partial blobs this process writes now (their data paths). */
const held = new Set<string>();

/**
 * A blob being written into an OCI layout (see {@link BlobIngest}): the bytes go at their offsets
 * in `.tmp/ingest/<alg>-<hex>.data`, the hash follows the lowest unhashed offset (reading back what
 * later segments wrote when the gap before them closes), and a record of what is held — checked by
 * digest before it is trusted — lets the next run continue. A blob another live process is writing
 * goes to a private temp file instead, which is never resumed.
 */
export class LayoutIngest implements BlobIngest {
  readonly desc: Descriptor;
  resumed: boolean;
  private readonly root: string;
  private readonly data: string;
  private readonly paths: IngestPaths | undefined;
  private readonly algorithm: 'sha256' | 'sha512';
  private fd: number;
  private frontier: HashFrontier;
  private validatorValue: string | undefined;
  private unsynced = 0;
  private unrecorded = 0;
  private syncing: Promise<void> | undefined;
  private lastWritten: Checkpoint | undefined;
  private lastSynced: Checkpoint | undefined;
  private readonly records: RecordWriter | undefined;
  private ended = false;
  private readonly unhook: (() => void) | undefined;

  private constructor(root: string, desc: Descriptor, fd: number, data: string, paths: IngestPaths | undefined, from?: Resume) {
    this.root = root;
    this.desc = desc;
    this.fd = fd;
    this.data = data;
    this.paths = paths;
    this.algorithm = parseDigest(desc.digest).algorithm;
    this.frontier = new HashFrontier(this.algorithm, from);
    this.validatorValue = from?.validator;
    this.resumed = !!from && (this.frontier.hashed > 0 || this.frontier.ranges.length > 0);
    this.lastWritten = from?.checkpoint;
    this.lastSynced = from?.checkpoint;
    this.records = paths ? new RecordWriter(paths.record, () => this.record()) : undefined;
    // A Ctrl-C ends the process through process.exit: the record then says where the writer is.
    this.unhook = paths ? atExit(() => this.recordNow()) : undefined;
  }

  /** Writes the record now, synchronously, saying where the writer is. */
  recordNow(): void {
    if (!this.records || this.ended || this.held === 0) return;
    try {
      this.lastWritten = this.frontier.snapshot();
      this.records.writeSync();
    } catch {
      // The process is ending: an older record stays, and the next run starts from it.
    }
  }

  /**
   * Starts or resumes writing `desc` into the layout at `root`: the partial left by an earlier run is
   * re-hashed up to its furthest checkpoint whose digest still matches, and writing continues there.
   */
  static async open(root: string, desc: Descriptor): Promise<LayoutIngest> {
    const paths = ingestPaths(root, desc.digest);
    try {
      await mkdir(dirname(paths.data), { recursive: true });
    } catch (err) {
      throw fsError('cannot write', dirname(paths.data), err);
    }
    await sweepDeadTemps(root);
    if (!(await claimIngest(paths, held))) {
      const tmp = tempPath(root, 'blob');
      try {
        return new LayoutIngest(root, desc, await openFd(tmp, 'wx+'), tmp, undefined);
      } catch (err) {
        throw fsError('cannot write', tmp, err);
      }
    }
    try {
      const record = await readRecord(paths.record, desc.digest, desc.size);
      const from = record ? await resumePoint(paths.data, record) : undefined;
      const fd = await openFd(paths.data, from ? 'r+' : 'w+');
      const ingest = new LayoutIngest(root, desc, fd, paths.data, paths, from);
      if (!from) ingest.records?.save();
      return ingest;
    } catch (err) {
      await releaseIngest(paths, held);
      throw err instanceof RegctlError ? err : fsError('cannot write', paths.data, err);
    }
  }

  get held(): number {
    return this.frontier.held;
  }

  get validator(): string | undefined {
    return this.validatorValue;
  }

  set validator(value: string | undefined) {
    if (value === this.validatorValue) return;
    this.validatorValue = value;
    this.records?.save();
  }

  missing(): Array<[number, number]> {
    return this.frontier.missing(this.desc.size);
  }

  write(chunk: Uint8Array, position: number): void {
    if (this.ended) throw new RegctlError('internal', `blob ${this.desc.digest} written after its ingest ended`);
    const end = position + chunk.length;
    if (end > this.desc.size) throw new RegctlError('integrity', `blob ${this.desc.digest} is larger than its declared size ${this.desc.size}`);
    if (position < this.frontier.hashed) throw new RegctlError('internal', `blob ${this.desc.digest} written twice at offset ${position}`);
    try {
      for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off, chunk.length - off, position + off);
    } catch (err) {
      throw fsError('cannot write', this.data, err);
    }
    this.frontier.wrote(chunk, position, this.readBack);
    this.unsynced += chunk.length;
    this.unrecorded += chunk.length;
    if (this.unsynced >= SYNC_EVERY_BYTES && !this.syncing) this.checkpoint();
    else if (this.unrecorded >= RECORD_EVERY_BYTES) {
      this.unrecorded = 0;
      this.lastWritten = this.frontier.snapshot();
      this.records?.save();
    }
  }

  restart(): void {
    try {
      ftruncateSync(this.fd, 0);
    } catch (err) {
      throw fsError('cannot write', this.data, err);
    }
    this.frontier = new HashFrontier(this.algorithm);
    this.validatorValue = undefined;
    this.resumed = false;
    this.lastWritten = undefined;
    this.lastSynced = undefined;
    this.records?.save();
  }

  async commit(): Promise<void> {
    const { digest, size } = this.desc;
    if (this.frontier.hashed !== size) throw new RegctlError('integrity', `blob ${digest} is truncated: expected ${size} bytes, got ${this.held}`);
    const actual = this.frontier.digest();
    if (actual !== digest) throw new DigestMismatchError(digest, actual, 'blob');
    this.ended = true;
    this.unhook?.();
    const final = blobPath(this.root, digest);
    try {
      await this.syncing;
      if ((await statFd(this.fd)).size !== size) await truncateFd(this.fd, size);
      // SPEC §2: nothing unsynced is ever named.
      await syncFd(this.fd);
      await closeFd(this.fd);
      await mkdir(dirname(final), { recursive: true });
      try {
        await rename(this.data, final);
      } catch (err) {
        // Another writer's identical blob (a rename the OS refuses over a file in use) is as good.
        if (!(await blobExists(this.root, this.desc))) throw err;
        await unlink(this.data).catch(() => undefined);
      }
    } catch (err) {
      await this.forget();
      throw fsError('cannot write', final, err);
    }
    await this.forget();
  }

  async close(discard = false): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.unhook?.();
    await this.syncing;
    if (discard || !this.paths || this.held === 0) {
      await closeFd(this.fd).catch(() => undefined);
      await unlink(this.data).catch(() => undefined);
      await this.forget();
      return;
    }
    try {
      // What is kept is made durable, so the record can say so.
      await datasyncFd(this.fd);
      this.lastSynced = this.lastWritten = this.frontier.snapshot();
      await this.records?.stop();
      await this.records?.write();
    } catch {
      // Only the hint is lost: the next run starts from an older checkpoint, or from 0.
    }
    await closeFd(this.fd).catch(() => undefined);
    await releaseIngest(this.paths, held);
  }

  /** Reads back, for the hash, bytes later segments wrote once the gap before them closed. */
  private readonly readBack = (buffer: Buffer, length: number, position: number): number => {
    let n: number;
    try {
      n = readSync(this.fd, buffer, 0, length, position);
    } catch (err) {
      throw fsError('cannot read', this.data, err);
    }
    if (n <= 0) throw new RegctlError('failed', `cannot read ${this.data}: it ended at ${position} bytes`);
    return n;
  };

  /** Every SYNC_EVERY_BYTES: an fdatasync not waited for, and the record saying where the writer is. */
  private checkpoint(): void {
    this.unsynced = 0;
    this.unrecorded = 0;
    const point = this.frontier.snapshot();
    this.lastWritten = point;
    this.records?.save();
    const fd = this.fd;
    this.syncing = datasyncFd(fd).then(
      () => {
        this.syncing = undefined;
        this.lastSynced = point;
        this.records?.save();
      },
      () => {
        this.syncing = undefined;
      },
    );
  }

  private record() {
    return {
      digest: this.desc.digest,
      size: this.desc.size,
      ...(this.validatorValue ? { validator: this.validatorValue } : {}),
      ...(this.lastWritten ? { written: this.lastWritten } : {}),
      ...(this.lastSynced ? { synced: this.lastSynced } : {}),
    };
  }

  /** Drops the record and the ownership (after a commit or a discard). */
  private async forget(): Promise<void> {
    if (!this.paths) return;
    await this.records?.stop();
    await unlink(this.paths.record).catch(() => undefined);
    await releaseIngest(this.paths, held);
  }
}
