import { createHash } from 'node:crypto';
import { open, readFile, unlink } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { RegctlError } from '../errors.js';
import type { LayoutStore } from '../layout/layout-store.js';
import { fsError } from '../util/fs-error.js';
import { fsyncPath } from '../util/write-file-atomic.js';
import { badArchive, blobNameDigest, isRootEntry, linkTarget, normalizeEntryName, parentNames } from './entry-names.js';

/** Top-level metadata files kept in memory rather than staged on disk. */
const METADATA = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
/** Largest metadata file accepted (a manifest.json of many images stays far below). */
const METADATA_LIMIT = 16 * 1024 * 1024;
const MAX_LINK_DEPTH = 16;
/** Entries up to this size are held in memory while staging (see StagedArchive.keepInMemory). */
const SMALL_ENTRY = 64 * 1024;
/** Total bytes of small entries held in memory; past it they are staged on disk like the rest. */
const MEMORY_BUDGET = 64 * 1024 * 1024;

/** A regular file of the archive, staged in the cache's temp area with its digest. */
export interface StagedFile {
  name: string;
  /** Temp file holding the bytes; undefined for in-memory metadata. */
  path?: string;
  bytes?: Buffer;
  /** Digest of the bytes: the algorithm the entry name asks for, else sha256. */
  digest: string;
  size: number;
}

type StagedEntry = { kind: 'file'; file: StagedFile } | { kind: 'link'; target: string };

/**
 * What a tar stream contained: every regular file staged in the layout's temp area (hashed on the
 * way in, blobs checked against their names), links kept as names. Nothing is in the layout yet:
 * {@link StagedArchive.commit} has the layout adopt the chosen files as blobs,
 * {@link StagedArchive.discard} drops the rest.
 */
export class StagedArchive {
  private readonly entries = new Map<string, StagedEntry>();
  /** Every directory some entry lies under, with the first such entry: a later link may not take its name. */
  private readonly dirs = new Map<string, string>();
  private readonly temps = new Set<string>();
  private inMemory = 0;

  /** Creates an empty staging area for `store`. */
  constructor(readonly store: LayoutStore) {}

  /** The regular file `name` names, following links inside the archive; undefined when absent. */
  file(name: string): StagedFile | undefined {
    let current = name;
    for (let depth = 0; depth <= MAX_LINK_DEPTH; depth++) {
      const entry = this.entries.get(current);
      if (!entry) return undefined;
      if (entry.kind === 'file') return entry.file;
      current = entry.target;
    }
    throw badArchive(`link "${name}" is part of a loop or a chain of more than ${MAX_LINK_DEPTH} links`);
  }

  /** Reads a small staged file (metadata, manifest, config); refuses one over `limit` bytes. */
  async read(name: string, limit: number): Promise<Buffer | undefined> {
    const f = this.file(name);
    if (!f) return undefined;
    if (f.size > limit) throw badArchive(`${name} is ${f.size} bytes, over the ${limit}-byte limit`);
    if (f.bytes) return f.bytes;
    try {
      return await readFile(f.path as string);
    } catch (err) {
      throw fsError('cannot read', f.path as string, err);
    }
  }

  /** Adds one entry, refusing duplicates and paths that go through a link. */
  add(name: string, entry: StagedEntry): void {
    if (this.entries.has(name)) throw badArchive(`duplicate entry "${name}"`);
    const parents = parentNames(name);
    for (const parent of parents) {
      if (this.entries.get(parent)?.kind === 'link') throw badArchive(`entry "${name}" goes through the link "${parent}"`);
    }
    if (entry.kind === 'link') {
      // A lookup, not a scan of every entry per link: 100k links must not cost 100k² comparisons.
      const under = this.dirs.get(name);
      if (under !== undefined) throw badArchive(`link "${name}" would redirect the earlier entry "${under}"`);
    }
    for (const parent of parents) if (!this.dirs.has(parent)) this.dirs.set(parent, name);
    this.entries.set(name, entry);
  }

  /**
   * True when an entry of `size` bytes may be held in memory rather than staged on disk: entries up
   * to {@link SMALL_ENTRY} bytes, while they add up to no more than {@link MEMORY_BUDGET}.
   */
  keepInMemory(size: number): boolean {
    if (size > SMALL_ENTRY || this.inMemory + size > MEMORY_BUDGET) return false;
    this.inMemory += size;
    return true;
  }

  /** Records a temp file this staging area owns, so {@link discard} removes it whatever happens next. */
  track(path: string): void {
    this.temps.add(path);
  }

  /**
   * Stores each staged file as the blob of its digest: the layout adopts a staged temp file (an
   * atomic rename) and writes in-memory metadata as any blob; a blob it already has is left alone.
   */
  async commit(files: Iterable<StagedFile>): Promise<void> {
    for (const f of files) {
      const desc = { mediaType: 'application/octet-stream', digest: f.digest, size: f.size };
      if (f.path && this.temps.has(f.path)) {
        // Staged files are fsynced here, only those kept: an archive's other entries never cost a sync each.
        await syncFile(f.path);
        if (await this.store.adoptBlob(desc, f.path)) this.temps.delete(f.path);
      } else {
        await this.store.pushBytes(desc, f.bytes ?? Buffer.alloc(0));
      }
    }
  }

  /** Removes every staged temp file still in the temp area. */
  async discard(): Promise<void> {
    await Promise.all([...this.temps].map((p) => unlink(p).catch(() => undefined)));
    this.temps.clear();
  }
}

/** fsyncs a staged file before it becomes a blob. */
async function syncFile(path: string): Promise<void> {
  try {
    await fsyncPath(path);
  } catch (err) {
    throw fsError('cannot write', path, err);
  }
}

/** Remembers the last block of what flows through, to check the tar end-of-archive marker. */
class TailWatcher extends Transform {
  total = 0;
  private tail = Buffer.alloc(0);
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    // Copied, so the tail never pins a whole chunk in memory.
    this.tail = Buffer.from(chunk.length >= 512 ? chunk.subarray(-512) : Buffer.concat([this.tail, chunk]).subarray(-512));
    cb(null, chunk);
  }
  /** True when the stream ended with a 512-byte zero block, as every complete tar does. */
  get endsWithZeroBlock(): boolean {
    return this.tail.length === 512 && this.tail.every((b) => b === 0);
  }
}

/** Returns the stream with a gzip layer removed when its first bytes are the gzip magic. */
async function sniffGzip(input: Readable): Promise<Readable> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else head = Buffer.concat([head, Buffer.from(r.value)]);
  }
  if (head.length === 0) throw badArchive('the input is empty');
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  }
  const plain = Readable.from(rest(), { objectMode: false });
  if (head[0] !== 0x1f || head[1] !== 0x8b) return plain;
  const gunzip = createGunzip();
  plain.on('error', (err) => gunzip.destroy(err));
  return plain.pipe(gunzip);
}

function explain(err: unknown): RegctlError {
  if (err instanceof RegctlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return badArchive(`the gzip stream is corrupt or truncated (${message})`, err);
  if (/unexpected end/i.test(message)) return badArchive('the archive is truncated (unexpected end of data)', err);
  if (/tar header|checksum/i.test(message)) return badArchive(`not a tar archive (${message})`, err);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return fsError('cannot read', 'the archive', err);
  return badArchive(message, err);
}

/**
 * Reads a tar (plain or gzip'd) from `input` into a staging area inside the layout `store`.
 * Entries are matched by name and never extracted to paths of their own; device entries,
 * absolute or `..` names, links leaving the archive, duplicates and blobs whose bytes do not
 * match their `blobs/<alg>/<hex>` name are refused (usage errors) and everything staged is removed.
 */
export async function stageArchive(store: LayoutStore, input: Readable): Promise<StagedArchive> {
  const staged = new StagedArchive(store);
  const tail = new TailWatcher();
  const extract = tar.extract();
  // An entry's stream fails with a generic "destroyed" error; the extractor's own error says why.
  let cause: unknown;
  extract.on('error', (err: unknown) => {
    cause ??= err;
  });
  try {
    const source = await sniffGzip(input);
    source.on('error', (err) => {
      cause ??= err;
      extract.destroy(err);
    });
    source.pipe(tail).pipe(extract);
    for await (const entry of extract) {
      const header = entry.header;
      const type = header.type ?? 'file';
      if (type === 'directory') {
        if (!isRootEntry(header.name)) normalizeEntryName(header.name);
        entry.resume();
        continue;
      }
      const name = normalizeEntryName(header.name);
      if (type === 'symlink' || type === 'link') {
        staged.add(name, { kind: 'link', target: linkTarget(name, header.linkname ?? '', type) });
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') throw badArchive(`entry "${name}" is a ${type}; only files, directories and links are accepted`);
      staged.add(name, { kind: 'file', file: await stageFile(staged, name, entry as unknown as AsyncIterable<Buffer>, header.size ?? 0) });
    }
    if (tail.total === 0) throw badArchive('the input is empty');
    if (!tail.endsWithZeroBlock) throw badArchive('the archive is truncated (no end-of-archive marker)');
    return staged;
  } catch (err) {
    extract.destroy();
    input.destroy();
    await staged.discard();
    if (!(err instanceof RegctlError) && tail.total > 0 && tail.total < 512) throw badArchive(`not a tar archive (only ${tail.total} bytes)`);
    throw explain(err instanceof RegctlError ? err : (cause ?? err));
  }
}

async function stageFile(staged: StagedArchive, name: string, entry: AsyncIterable<Buffer>, size: number): Promise<StagedFile> {
  const promised = blobNameDigest(name);
  const algorithm = promised?.startsWith('sha512:') ? 'sha512' : 'sha256';
  const hash = createHash(algorithm);
  let count = 0;
  let result: StagedFile;
  const metadata = METADATA.has(name);
  if (metadata && size > METADATA_LIMIT) throw badArchive(`${name} is ${size} bytes, over the ${METADATA_LIMIT}-byte limit`);
  // Small entries stay in memory, up to a budget: a file each would cost a create and an unlink per entry.
  if (metadata || staged.keepInMemory(size)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) {
      hash.update(chunk);
      count += chunk.length;
      chunks.push(chunk);
    }
    result = { name, bytes: Buffer.concat(chunks), digest: `${algorithm}:${hash.digest('hex')}`, size: count };
  } else {
    const path = await staged.store.tempFile('load');
    staged.track(path);
    let fh;
    try {
      fh = await open(path, 'wx');
    } catch (err) {
      throw fsError('cannot write', path, err);
    }
    try {
      for await (const chunk of entry) {
        hash.update(chunk);
        count += chunk.length;
        await fh.write(chunk).catch((err: unknown) => {
          throw fsError('cannot write', path, err);
        });
      }
    } finally {
      await fh.close();
    }
    result = { name, path, digest: `${algorithm}:${hash.digest('hex')}`, size: count };
  }
  if (count !== size) throw badArchive(`the archive is truncated (entry "${name}" has ${count} of ${size} bytes)`);
  if (promised && promised !== result.digest) {
    throw badArchive(`${name} does not match its digest: its content hashes to ${result.digest}`);
  }
  return result;
}
