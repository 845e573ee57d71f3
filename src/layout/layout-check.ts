import { unlink } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { fsError } from '../util/fs-error.js';
import { blobPath, listBlobs } from './blobs.js';
import { blobState, type BlobState } from './blob-verify.js';
import { imageProblems, type ContentProblem } from './image-check.js';
import { readIndex } from './index-file.js';

/** Options of {@link checkLayout}. */
export interface LayoutCheckOptions {
  /** Only these index entries (default: every one, and every stored blob). */
  only?: readonly Descriptor[];
  /** Remove every stored blob found corrupt or of the wrong size, so the next pull fetches it again; default false. */
  repair?: boolean;
}

/** One damaged or missing blob, and the names of the images it breaks. */
export interface LayoutProblem extends ContentProblem {
  /** Names (or, for an unnamed image, its digest) of the images that need it; empty for a blob no image references. */
  images: string[];
}

/** What {@link checkLayout} found. */
export interface LayoutCheckResult {
  /** Blobs re-hashed, and their total size in bytes. */
  blobs: number;
  bytes: number;
  /** Index entries walked. */
  images: number;
  problems: LayoutProblem[];
  /** Blobs removed by `repair`. */
  removed: string[];
}

/**
 * Checks a layout the way `git fsck` checks a repository: every stored blob is re-hashed (with
 * `only`, just the blobs of those images), then every image is walked for blobs that are missing,
 * of the wrong size or corrupt. With `repair`, damaged blobs are removed (a damaged blob is worth
 * nothing, and while it stays a pull takes it for present); names are never removed.
 */
export async function checkLayout(root: string, options: LayoutCheckOptions = {}): Promise<LayoutCheckResult> {
  const entries = options.only ?? (await readIndex(root)).manifests;
  const known = new Map<string, BlobState>();
  const result: LayoutCheckResult = { blobs: 0, bytes: 0, images: entries.length, problems: [], removed: [] };
  if (!options.only) {
    for (const blob of await listBlobs(root)) {
      known.set(blob.digest, await blobState(root, blob, true));
      result.blobs++;
      result.bytes += blob.size;
    }
  }
  const byDigest = new Map<string, LayoutProblem>();
  const walked = new Set<string>();
  const count = (desc: Descriptor): void => {
    if (!options.only || walked.has(desc.digest)) return;
    walked.add(desc.digest);
    result.blobs++;
    result.bytes += desc.size;
  };
  for (const entry of entries) {
    const label = entry.annotations?.[Annotation.refName] ?? entry.digest;
    for (const p of await imageProblems(root, entry, { rehash: 'all', known, onBlob: count })) {
      const seen = byDigest.get(p.digest);
      if (seen) {
        if (!seen.images.includes(label)) seen.images.push(label);
        continue;
      }
      byDigest.set(p.digest, { ...p, images: [label] });
    }
  }
  // Damaged blobs no image references still matter: a later pull would take them for present.
  for (const [digest, state] of known) {
    if (state !== 'ok' && !byDigest.has(digest)) byDigest.set(digest, { digest, role: 'blob', problem: state, images: [] });
  }
  result.problems = [...byDigest.values()];
  if (options.repair) {
    for (const p of result.problems) {
      if (p.problem === 'missing') continue;
      try {
        await unlink(blobPath(root, p.digest));
        result.removed.push(p.digest);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw fsError('cannot remove', blobPath(root, p.digest), err);
      }
    }
  }
  return result;
}
