import { renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { isDigest, parseDigest } from '../oci/digest.js';
import { isRangeList, type ByteRange } from './byte-ranges.js';
import { TEMP_DIR } from './blobs.js';
import { processIsDead, withLock } from './lock.js';

/** Where partial blobs live, relative to the layout root: under the temp area, which OCI tools ignore. */
export const INGEST_DIR = join(TEMP_DIR, 'ingest');

/**
 * A point up to which the partial blob's bytes are known: `offset` bytes hashing (as a prefix) to
 * `digest`, plus `ranges` written beyond it (checked only by the final digest).
 */
export interface Checkpoint {
  offset: number;
  /** Digest of bytes [0, offset), in the blob's algorithm. */
  digest: string;
  ranges: ByteRange[];
}

/**
 * What is known of one partial blob (containerd's ingest `ref`/`total`/`startedat`, plus our checks):
 * `written` is where the writer was (enough after a killed process: the page cache keeps those
 * bytes), `synced` where an fdatasync had finished (what survives a power loss). Both are checked
 * against the file before they are trusted.
 */
export interface IngestRecord {
  digest: string;
  size: number;
  /** ETag or Last-Modified of the answer the bytes came from (If-Range on resume). */
  validator?: string;
  written?: Checkpoint;
  synced?: Checkpoint;
}

/** The files of one partial blob. */
export interface IngestPaths {
  /** The bytes, at their offsets. */
  data: string;
  /** The {@link IngestRecord}, JSON. */
  record: string;
  /** Who writes it now: pid and host, JSON; absent when nobody does. */
  owner: string;
  /** Held for an instant while ownership is decided. */
  lock: string;
}

const HOST = hostname();

/** The paths of the partial blob `digest` in the layout at `root`. */
export function ingestPaths(root: string, digest: string): IngestPaths {
  const { algorithm, hex } = parseDigest(digest);
  const base = join(root, INGEST_DIR, `${algorithm}-${hex}`);
  return { data: `${base}.data`, record: `${base}.json`, owner: `${base}.owner`, lock: `${base}.lock` };
}

interface Owner {
  pid: number;
  host: string;
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host } : undefined;
  } catch {
    return undefined;
  }
}

/** True when the owner is a live process (on this host; another host's owner counts as live until `staleMs` passed). */
async function ownerLives(paths: IngestPaths, staleMs: number): Promise<boolean> {
  const owner = await readOwner(paths.owner);
  if (!owner) return false;
  if (owner.host === HOST) return !processIsDead(owner.pid);
  const s = await stat(paths.data).catch(() => undefined);
  return !!s && Date.now() - s.mtimeMs < staleMs;
}

/**
 * Makes this process the writer of a partial blob, unless a live process already is (then false:
 * the caller writes a private temp file instead). The owner of a killed pull is dead, so its
 * partial is taken over by the next run. `inProcess` holds the keys this process writes now.
 */
export async function claimIngest(paths: IngestPaths, inProcess: Set<string>): Promise<boolean> {
  if (inProcess.has(paths.data)) return false;
  inProcess.add(paths.data);
  try {
    const claimed = await withLock(
      paths.lock,
      async () => {
        if (await ownerLives(paths, Infinity)) return false;
        await writeFile(paths.owner, JSON.stringify({ pid: process.pid, host: HOST, time: new Date().toISOString() }));
        return true;
      },
      { timeoutMs: 10_000, staleMs: 10_000 },
    );
    if (!claimed) inProcess.delete(paths.data);
    return claimed;
  } catch (err) {
    inProcess.delete(paths.data);
    throw err;
  }
}

/** Gives up the ownership taken by {@link claimIngest}. */
export async function releaseIngest(paths: IngestPaths, inProcess: Set<string>): Promise<void> {
  const owner = await readOwner(paths.owner);
  if (owner?.pid === process.pid && owner.host === HOST) await unlink(paths.owner).catch(() => undefined);
  inProcess.delete(paths.data);
}

function isCheckpoint(value: unknown, size: number, algorithm: string): value is Checkpoint {
  const c = value as Partial<Checkpoint> | undefined;
  return (
    !!c &&
    Number.isSafeInteger(c.offset) &&
    (c.offset as number) >= 0 &&
    (c.offset as number) <= size &&
    typeof c.digest === 'string' &&
    isDigest(c.digest) &&
    c.digest.startsWith(`${algorithm}:`) &&
    isRangeList(c.ranges, size) &&
    c.ranges.every(([a]) => a > (c.offset as number))
  );
}

/** Reads the record of a partial blob of `digest` and `size`; undefined when absent, damaged or about another blob. */
export async function readRecord(path: string, digest: string, size: number): Promise<IngestRecord | undefined> {
  let doc: Partial<IngestRecord>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Partial<IngestRecord>;
  } catch {
    return undefined;
  }
  if (!doc || doc.digest !== digest || doc.size !== size) return undefined;
  const { algorithm } = parseDigest(digest);
  const record: IngestRecord = { digest, size };
  if (typeof doc.validator === 'string' && doc.validator.length < 1024) record.validator = doc.validator;
  if (isCheckpoint(doc.written, size, algorithm)) record.written = doc.written;
  if (isCheckpoint(doc.synced, size, algorithm)) record.synced = doc.synced;
  return record;
}

/** Replaces the record atomically (temp file and rename): a reader sees the old one or the new one. */
export async function writeRecord(path: string, record: IngestRecord): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record));
  await rename(tmp, path);
}

/** Writes one partial blob's record in the background: one write in flight, later changes folded into the next. */
export class RecordWriter {
  private dirty = false;
  private writing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly path: string,
    private readonly current: () => IngestRecord,
  ) {}

  /** Rewrites the record soon. */
  save(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        await writeRecord(this.path, this.current()).catch(() => undefined);
      }
      this.writing = undefined;
    })();
  }

  /** Stops the background writes and waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.writing;
  }

  /** Writes the record now. */
  write(): Promise<void> {
    return writeRecord(this.path, this.current());
  }

  /** Writes the record now, synchronously (while the process exits). */
  writeSync(): void {
    writeRecordSync(this.path, this.current());
  }
}

const exitHooks = new Set<() => void>();
let exitHooked = false;

/**
 * Runs `fn` when the process exits — a Ctrl-C ends it through process.exit (cli/main.ts) — until the
 * returned function is called. The bytes of a partial blob are in the page cache, which outlives the
 * process, so its record may claim them; a record they do not match (a power loss) fails its digest.
 */
export function atExit(fn: () => void): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const hook of exitHooks) hook();
    });
  }
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

/** {@link writeRecord}, synchronously: for the last record written while the process exits. */
function writeRecordSync(path: string, record: IngestRecord): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record));
  renameSync(tmp, path);
}

/** What {@link pruneIngests} removed. */
export interface PrunedIngests {
  files: number;
  /** Disk space the partial blobs took, in bytes. */
  bytes: number;
}

/**
 * Removes the partial blobs nobody writes (the process that wrote it is dead, or — another host's —
 * it was untouched for `staleMs`), counting the disk space they took. A partial a live pull owns is
 * never touched.
 */
export async function pruneIngests(root: string, staleMs: number): Promise<PrunedIngests> {
  const dir = join(root, INGEST_DIR);
  const out: PrunedIngests = { files: 0, bytes: 0 };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return out;
    throw err;
  }
  const keys = new Set(names.map((n) => /^(sha256|sha512)-([a-f0-9]+)\./.exec(n)).flatMap((m) => (m ? [`${m[1]}:${m[2]}`] : [])));
  for (const digest of keys) {
    if (!isDigest(digest)) continue;
    const paths = ingestPaths(root, digest);
    await withLock(
      paths.lock,
      async () => {
        if (await ownerLives(paths, staleMs)) return;
        const s = await stat(paths.data).catch(() => undefined);
        const prefix = `${digest.replace(':', '-')}.`;
        // The data, record and owner files, and a record's temp file left by a killed writer.
        for (const name of names) {
          if (name.startsWith(prefix) && join(dir, name) !== paths.lock) await unlink(join(dir, name)).catch(() => undefined);
        }
        if (s) {
          out.files += 1;
          // A preallocated (sparse) file takes only what was written.
          out.bytes += Math.min(s.size, s.blocks * 512);
        }
      },
      { timeoutMs: 10_000, staleMs: 10_000 },
    );
  }
  return out;
}
