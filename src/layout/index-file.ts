import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RegctlError } from '../errors.js';
import { DescriptorShape, type Descriptor } from '../oci/descriptor.js';
import { array, literal, nullable, object, optional, record, string, type JsonSchema, type Shape } from '../oci/json-shape.js';
import { MediaType } from '../oci/media-types.js';
import { readJsonFile } from '../util/read-json-file.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { fsError } from '../util/fs-error.js';
import { TEMP_DIR, tempPath } from './blobs.js';
import { withLock, type LockOptions } from './lock.js';

/** The index.json of an OCI layout (image-spec image-layout.md "index.json"). */
export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

const LayoutIndexShape: Shape = object({
  schemaVersion: literal(2),
  mediaType: optional(string()),
  manifests: nullable(array(DescriptorShape)),
  annotations: optional(record(string())),
});

// umoci writes "manifests": null for an empty layout, so null is read as an empty list.
const LayoutIndexSchema: JsonSchema<LayoutIndex> = {
  safeParse: (value) => {
    const issue = LayoutIndexShape(value);
    if (issue) return { success: false, error: { issues: [issue] } };
    const index = value as LayoutIndex;
    index.manifests ??= [];
    return { success: true, data: index };
  },
};

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
  const index = await readJsonFile(path, LayoutIndexSchema, {
    label: 'cache index',
    kind: 'failed',
    remedy: '; repair or delete it (deleting forgets every tag; run "regctl prune" afterwards to free the blobs)',
    absent: ['ENOENT'],
  });
  if (!index) throw new RegctlError('failed', `cache index ${path} is missing; the directory is not a complete OCI layout`);
  return index as LayoutIndex;
}

/**
 * Reads index.json synchronously for a quick look (is a change needed at all?), so a caller can
 * decide before yielding and keep its place in the lock queue; undefined when it is missing or
 * not valid — the caller then takes the locked path, which reports the problem.
 */
export function peekIndex(root: string): LayoutIndex | undefined {
  try {
    const parsed = LayoutIndexSchema.safeParse(JSON.parse(readFileSync(indexPath(root), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Serialises an index the way regctl stores it. */
export function serializeIndex(index: LayoutIndex): string {
  return JSON.stringify(index);
}

/**
 * Writes `text` to `dest` (a file of the layout at `root`) atomically, through a temp file in the
 * layout's temp area; with `exclusive`, an existing `dest` is kept and the result is false.
 */
export async function atomicWrite(root: string, dest: string, text: string, options: { exclusive?: boolean } = {}): Promise<boolean> {
  try {
    await mkdir(join(root, TEMP_DIR), { recursive: true });
  } catch (err) {
    throw fsError('cannot write', join(root, TEMP_DIR), err);
  }
  return writeFileAtomic(dest, text, { temp: tempPath(root, 'json'), ...(options.exclusive ? { exclusive: true } : {}) });
}

/** Writes index.json atomically (callers hold the index lock). */
async function writeIndex(root: string, index: LayoutIndex): Promise<void> {
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
