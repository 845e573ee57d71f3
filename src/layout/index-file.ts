import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { errnoCode, RegctlError } from '../errors.js';
import { DescriptorSchema, type Descriptor } from '../oci/descriptor.js';
import { firstIssue } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { fsError, TEMP_DIR, tempPath } from './blobs.js';
import { withLock, type LockOptions } from './lock.js';

/** The index.json of an OCI layout (image-spec image-layout.md "index.json"). */
export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

// umoci writes "manifests": null for an empty layout, so null is read as an empty list.
const LayoutIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(DescriptorSchema).nullable().transform((m) => m ?? []),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** Path of index.json in the layout at `root`. */
export function indexPath(root: string): string {
  return join(root, 'index.json');
}

/** Path of the lock file guarding index.json. */
export function indexLockPath(root: string): string {
  return join(root, 'index.json.lock');
}

/** An empty index, as regctl writes it. */
export function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

/** Reads and validates index.json; a damaged file is a one-line RegctlError naming it. */
export async function readIndex(root: string): Promise<LayoutIndex> {
  const path = resolve(indexPath(root));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new RegctlError('failed', `cache index ${path} is missing; the directory is not a complete OCI layout`, { cause: err });
    throw fsError('cannot read', path, err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw damaged(path, `not valid JSON (${(err as Error).message})`, err);
  }
  const parsed = LayoutIndexSchema.safeParse(doc);
  if (!parsed.success) throw damaged(path, firstIssue(parsed.error), parsed.error);
  return parsed.data as LayoutIndex;
}

function damaged(path: string, issue: string, cause: unknown): RegctlError {
  return new RegctlError(
    'failed',
    `cache index ${path} is damaged: ${issue}; repair or delete it (deleting forgets every tag; run "regctl prune" afterwards to free the blobs)`,
    { cause },
  );
}

/** Serialises an index the way regctl stores it. */
export function serializeIndex(index: LayoutIndex): string {
  return JSON.stringify(index);
}

/** Writes `text` to `dest` atomically: a temp file in the layout, fsynced, then renamed over `dest`. */
export async function atomicWrite(root: string, dest: string, text: string, options: { exclusive?: boolean } = {}): Promise<boolean> {
  await mkdir(join(root, TEMP_DIR), { recursive: true });
  const tmp = tempPath(root, 'json');
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.exclusive) {
      // link fails when dest exists, so a concurrent creator's file is never replaced.
      try {
        await link(tmp, dest);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') return false;
        throw err;
      }
      return true;
    }
    await rename(tmp, dest);
    await syncDir(root);
    return true;
  } catch (err) {
    throw err instanceof RegctlError ? err : fsError('cannot write', dest, err);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Directories cannot be fsynced on every platform (Windows); the rename is still atomic.
  }
}

/** Writes index.json atomically (callers hold the index lock). */
export async function writeIndex(root: string, index: LayoutIndex): Promise<void> {
  await atomicWrite(root, indexPath(root), serializeIndex(index));
}

/**
 * Read-modify-write of index.json under the cross-process lock: `fn` may change the index in place;
 * the file is replaced atomically only when its content changed. Resolves with what `fn` returns.
 */
export async function updateIndex<T>(root: string, fn: (index: LayoutIndex) => T | Promise<T>, options?: LockOptions): Promise<T> {
  return withLock(
    indexLockPath(root),
    async () => {
      const index = await readIndex(root);
      const before = serializeIndex(index);
      const result = await fn(index);
      if (serializeIndex(index) !== before) await writeIndex(root, index);
      return result;
    },
    options,
  );
}

/** Runs `fn` holding the index lock without writing the index (used by gc to decide safely). */
export function withIndexLock<T>(root: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  return withLock(indexLockPath(root), fn, options);
}
