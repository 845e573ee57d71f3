import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest.js';
import { fetchAll } from '../content/read-all.js';
import { listBlobs, TEMP_DIR, tempNames } from './blobs.js';
import { fsError } from '../util/fs-error.js';
import { readIndex, withIndexLock } from './index-file.js';
import type { LayoutStore } from './layout-store.js';
import { processIsDead } from './lock.js';
import { isLeaseName, liveLeases } from './lease.js';
import { pruneIngests } from './ingest-files.js';

/** Options of {@link prune}. */
export interface PruneOptions {
  /** Keep unreferenced blobs modified less than this many milliseconds ago (a pull in flight); default 0. */
  keepNewerThanMs?: number;
  /** A temp file untouched for this many milliseconds is a leftover even if its writer lives; default 3 600 000. */
  staleTempMs?: number;
}

/** What {@link prune} removed. */
export interface PruneResult {
  /** Blobs removed, with their sizes in bytes. */
  removed: { digest: string; size: number }[];
  /** Sum of the removed blobs' sizes, in bytes. */
  freedBytes: number;
  /** Leftover temp files removed (interrupted writes). */
  tempFiles: number;
  /** Their total size in bytes. */
  tempBytes: number;
}

/**
 * Removes every blob of the layout that index.json does not reach (index → manifests → config and
 * layers) and leftover temp files. Runs under the index lock, so a concurrent tag is never lost.
 */
export async function prune(store: LayoutStore, options: PruneOptions = {}): Promise<PruneResult> {
  const keepNewerThanMs = options.keepNewerThanMs ?? 0;
  return withIndexLock(store.dir, async () => {
    const started = Date.now();
    const leases = await liveLeases(store.dir);
    const lease = leases.oldest;
    const reachable = await reachableDigests(store);
    const result: PruneResult = { removed: [], freedBytes: 0, tempFiles: 0, tempBytes: 0 };
    for (const blob of await listBlobs(store.dir)) {
      // A transfer in flight found or wrote it and is about to name it.
      if (reachable.has(blob.digest) || leases.held.has(blob.digest)) continue;
      if (keepNewerThanMs > 0 || lease !== undefined) {
        const s = await stat(blob.path).catch(() => undefined);
        if (s && started - s.mtimeMs < keepNewerThanMs) continue;
        // A transfer in flight wrote it and will tag it soon (1 s slack for coarse mtimes).
        if (s && lease !== undefined && s.mtimeMs >= lease - 1000) continue;
      }
      try {
        await unlink(blob.path);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw fsError('cannot remove', blob.path, err);
      }
      result.removed.push({ digest: blob.digest, size: blob.size });
      result.freedBytes += blob.size;
    }
    await removeStaleTemps(store.dir, options.staleTempMs ?? 3_600_000, result);
    // Partial blobs kept for a resume: those no live pull owns are leftovers too.
    const partials = await pruneIngests(store.dir, options.staleTempMs ?? 3_600_000);
    result.tempFiles += partials.files;
    result.tempBytes += partials.bytes;
    return result;
  });
}

/** Digests reachable from index.json; manifests that are missing or unreadable are kept but not walked. */
async function reachableDigests(store: LayoutStore): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue: Descriptor[] = [...(await readIndex(store.dir)).manifests];
  while (queue.length > 0) {
    const desc = queue.pop() as Descriptor;
    if (seen.has(desc.digest)) continue;
    seen.add(desc.digest);
    if (desc.size > MAX_MANIFEST_BYTES || !(await store.exists(desc))) continue;
    let bytes: Buffer;
    try {
      bytes = await fetchAll(store, desc);
    } catch {
      continue;
    }
    try {
      const parsed = parseManifest(bytes, desc.mediaType);
      if (parsed.kind === 'index') queue.push(...parsed.index.manifests);
      else queue.push(parsed.manifest.config, ...parsed.manifest.layers);
    } catch {
      // Not a manifest (an artifact or foreign document): the blob itself is kept, nothing below it.
    }
  }
  return seen;
}

async function removeStaleTemps(root: string, staleMs: number, result: PruneResult): Promise<void> {
  const dir = join(root, TEMP_DIR);
  const names = await tempNames(root);
  const now = Date.now();
  for (const name of names) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) continue;
    const pid = Number(name.split('.')[0]);
    const writerGone = Number.isInteger(pid) && pid > 0 && processIsDead(pid);
    if (!writerGone && (isLeaseName(name) || now - s.mtimeMs < staleMs)) continue;
    try {
      await unlink(path);
      result.tempFiles += 1;
      result.tempBytes += s.size;
    } catch {
      // another prune got there first
    }
  }
}
