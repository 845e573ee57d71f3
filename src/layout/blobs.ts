import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode, RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest, VerifyingTransform } from '../oci/digest.js';
import { fsError } from '../util/fs-error.js';
import { processIsDead } from '../util/process-alive.js';
import { SourceReadable } from '../util/chunk-source.js';
import { FileChunkSource } from './file-source.js';

/** Bytes a blob write stream buffers before back-pressure: lets fs batch 64 KiB network chunks (measured 2× faster than 16 KiB). */
const WRITE_BUFFER = 1024 * 1024;

/** Directory (relative to the layout root) that holds files being written; umoci and skopeo ignore it. */
export const TEMP_DIR = '.tmp';

/** Path of the blob `digest` inside the layout at `root` (image-spec image-layout.md "Blobs"). */
export function blobPath(root: string, digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return join(root, 'blobs', algorithm, hex);
}

/** A fresh temp file name inside the layout, carrying our pid so gc can tell live ones from leftovers. */
export function tempPath(root: string, label: string): string {
  return join(root, TEMP_DIR, `${process.pid}.${randomBytes(6).toString('hex')}.${label}`);
}

const swept = new Set<string>();

/** The names in the layout's temp area (none when it does not exist). */
export async function tempNames(root: string): Promise<string[]> {
  try {
    return await readdir(join(root, TEMP_DIR));
  } catch {
    return [];
  }
}

/**
 * Once per layout and process: removes temp files whose writer died (a killed load or pull leaves
 * its `PID.*` files), so the next run leaves none behind. Partial blobs kept for a resume live in a
 * directory of their own and are not touched.
 */
export async function sweepDeadTemps(root: string): Promise<void> {
  if (swept.has(root)) return;
  swept.add(root);
  const dir = join(root, TEMP_DIR);
  for (const name of await tempNames(root)) {
    const pid = Number(name.split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && name.includes('.') && processIsDead(pid)) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** True when the blob is stored and has the size the descriptor promises. */
export async function blobExists(root: string, desc: Descriptor): Promise<boolean> {
  try {
    const s = await stat(blobPath(root, desc.digest));
    return s.isFile() && s.size === desc.size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw fsError('cannot read', blobPath(root, desc.digest), err);
  }
}

/**
 * Opens a stored blob for reading; rejects with not-found when it is absent, and with an integrity
 * error naming the digest and the file when the file's size is not the descriptor's (a damaged
 * layout), before a byte is read — so a copy reports the bad blob, not the upload it would break.
 */
export async function openBlob(root: string, desc: Descriptor): Promise<Readable> {
  const path = blobPath(root, desc.digest);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new RegctlError('not-found', `blob ${desc.digest} not found in OCI layout ${root}`, { cause: err });
    throw fsError('cannot read', path, err);
  }
  let size: number;
  try {
    size = (await fh.stat()).size;
  } catch (err) {
    await fh.close();
    throw fsError('cannot read', path, err);
  }
  if (size !== desc.size) {
    await fh.close();
    throw new RegctlError('integrity', `blob ${desc.digest} is damaged: the file ${path} is ${size} bytes, but the manifest says ${desc.size}`);
  }
  // Read as a stream by most callers; an upload's socket takes the file source itself (issue 13).
  return new SourceReadable(new FileChunkSource(fh, size, path, desc.digest));
}

/**
 * Stores `content` as the blob `desc`: streamed to a temp file inside the layout, size and digest
 * checked on the way, fsynced, then renamed into place, so nothing partial or wrong ever has the
 * blob's name. A blob already present is not rewritten (the stream is drained). Resolves true when
 * this call wrote the blob.
 */
export async function writeBlob(root: string, desc: Descriptor, content: Readable): Promise<boolean> {
  const final = blobPath(root, desc.digest);
  if (await blobExists(root, desc)) {
    await drain(content);
    return false;
  }
  const tmp = tempPath(root, 'blob');
  try {
    await mkdir(join(root, TEMP_DIR), { recursive: true });
    await mkdir(join(final, '..'), { recursive: true });
    await pipeline(
      content,
      new VerifyingTransform({ digest: desc.digest, size: desc.size, what: 'blob' }),
      createWriteStream(tmp, { flags: 'wx', highWaterMark: WRITE_BUFFER }),
    );
    // fsync through a second descriptor: a FileHandle's own write stream cannot be closed without it.
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    // rename replaces atomically, so a concurrent writer of the same content is harmless; where the
    // OS refuses to replace a file in use (Windows), the other writer's identical blob is as good.
    try {
      await rename(tmp, final);
    } catch (err) {
      if (!(await blobExists(root, desc))) throw err;
      await unlink(tmp).catch(() => undefined);
      return false;
    }
    return true;
  } catch (err) {
    content.destroy();
    await unlink(tmp).catch(() => undefined);
    if (err instanceof RegctlError) throw err;
    throw fsError('cannot write', final, err);
  }
}

/**
 * Makes `file` (a temp file of the layout whose bytes the caller has hashed to `desc.digest`) the
 * blob `desc` by renaming it into place, after checking its size. Resolves false, leaving the file
 * to the caller, when the blob is already stored.
 */
export async function adoptBlob(root: string, desc: Descriptor, file: string): Promise<boolean> {
  if (await blobExists(root, desc)) return false;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw fsError('cannot read', file, err);
  }
  if (size !== desc.size) throw new RegctlError('integrity', `cannot store blob ${desc.digest}: ${file} holds ${size} bytes, not ${desc.size}`);
  const final = blobPath(root, desc.digest);
  try {
    await mkdir(dirname(final), { recursive: true });
    await rename(file, final);
  } catch (err) {
    throw fsError('cannot write', final, err);
  }
  return true;
}

/** Stores a small in-memory blob (a manifest or config) the same way as {@link writeBlob}. */
export function writeBlobBytes(root: string, desc: Descriptor, bytes: Uint8Array): Promise<boolean> {
  return writeBlob(root, desc, Readable.from([Buffer.from(bytes)]));
}

/** One stored blob found by {@link listBlobs}. */
export interface StoredBlob {
  digest: string;
  size: number;
  path: string;
}

/** Every well-named blob in the layout; foreign files under blobs/ are ignored. */
export async function listBlobs(root: string): Promise<StoredBlob[]> {
  const out: StoredBlob[] = [];
  const patterns: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };
  for (const [algorithm, re] of Object.entries(patterns)) {
    const dir = join(root, 'blobs', algorithm);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw fsError('cannot read', dir, err);
    }
    for (const name of names) {
      if (!re.test(name)) continue;
      const path = join(dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s?.isFile()) out.push({ digest: `${algorithm}:${name}`, size: s.size, path });
    }
  }
  return out;
}

async function drain(content: Readable): Promise<void> {
  // Drained rather than destroyed: the caller may be piping this stream and would see a premature close.
  try {
    for await (const _ of content) {
      // discard
    }
  } catch {
    // the content is already stored; a failing source does not matter
  }
}
