import { readFile } from 'node:fs/promises';
import type { Descriptor } from '../oci/descriptor.js';
import { sha256Digest, digestLike } from '../oci/digest.js';
import { MAX_INDEX_DEPTH, MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { RegctlError } from '../errors.js';
import { blobPath } from './blobs.js';
import { blobState, type BlobState } from './blob-verify.js';

/** One blob of an image that is not as its descriptor says. */
export interface ContentProblem {
  digest: string;
  /** The role it plays: `manifest`, `index`, `config` or `layer`; `blob` for one no image references. */
  role: 'manifest' | 'index' | 'config' | 'layer' | 'blob';
  /** `missing`, `wrong size`, `corrupt` (its bytes do not hash to its digest) or `unreadable` (a manifest that does not parse). */
  problem: Exclude<BlobState, 'ok'> | 'unreadable';
}

/** Options of {@link imageProblems}. */
export interface ImageCheckOptions {
  /**
   * Which blobs are re-hashed: `manifests` (manifests, indexes and configs: small, and what every
   * reader trusts), or `all`. Every blob is checked for presence and size whatever this says.
   * Default `manifests`.
   */
  rehash?: 'manifests' | 'all';
  /** States already known (a whole-layout check hashed every blob first); consulted before the disk. */
  known?: ReadonlyMap<string, BlobState>;
  /** Called once for every descriptor walked (manifests, configs, layers), present or not. */
  onBlob?: (desc: Descriptor) => void;
}

/**
 * Everything wrong with the image `desc` names in the layout at `root`: its manifest (or index,
 * and then every child, recursively) and each config and layer, checked present, of the right size
 * and — per `options.rehash` — hashing to its digest. An empty list means the image is whole.
 */
export async function imageProblems(root: string, desc: Descriptor, options: ImageCheckOptions = {}): Promise<ContentProblem[]> {
  const problems: ContentProblem[] = [];
  const seen = new Set<string>();
  const rehash = options.rehash ?? 'manifests';
  const state = async (blob: Descriptor, hash: boolean): Promise<BlobState> => {
    options.onBlob?.(blob);
    const onDisk = await blobState(root, blob, false);
    if (onDisk !== 'ok') return onDisk;
    return options.known?.get(blob.digest) ?? (hash ? blobState(root, blob, true) : 'ok');
  };
  await walk(root, desc, { rehash, state, problems, seen }, 0);
  return problems;
}

interface Walk {
  rehash: 'manifests' | 'all';
  state: (blob: Descriptor, hash: boolean) => Promise<BlobState>;
  problems: ContentProblem[];
  seen: Set<string>;
}

async function walk(root: string, desc: Descriptor, w: Walk, depth: number): Promise<void> {
  const { problems, seen } = w;
  if (seen.has(desc.digest)) return;
  seen.add(desc.digest);
  const bytes = await manifestBytes(root, desc, w.state);
  const role = isIndexMediaType(desc.mediaType) ? 'index' : 'manifest';
  if (typeof bytes === 'string') {
    problems.push({ digest: desc.digest, role, problem: bytes });
    return;
  }
  let parsed;
  try {
    parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
  } catch {
    problems.push({ digest: desc.digest, role, problem: 'unreadable' });
    return;
  }
  if (parsed.kind === 'index') {
    if (depth >= MAX_INDEX_DEPTH) return;
    for (const child of parsed.index.manifests) await walk(root, child, w, depth + 1);
    return;
  }
  const { config, layers } = parsed.manifest;
  for (const [blob, role] of [[config, 'config'], ...layers.map((l) => [l, 'layer'] as const)] as const) {
    if (seen.has(blob.digest)) continue;
    seen.add(blob.digest);
    const state = await w.state(blob, w.rehash === 'all' || role === 'config');
    if (state !== 'ok') problems.push({ digest: blob.digest, role, problem: state });
  }
}

/** A manifest's stored bytes, checked against its descriptor; otherwise what is wrong with it. */
async function manifestBytes(
  root: string,
  desc: Descriptor,
  stateOf: (blob: Descriptor, hash: boolean) => Promise<BlobState>,
): Promise<Buffer | Exclude<BlobState, 'ok'>> {
  const state = await stateOf(desc, false);
  if (state !== 'ok') return state;
  if (desc.size > MAX_MANIFEST_BYTES) return 'wrong size';
  const bytes = await readFile(blobPath(root, desc.digest));
  const actual = desc.digest.startsWith('sha256:') ? sha256Digest(bytes) : digestLike(desc.digest, bytes);
  return actual === desc.digest ? bytes : 'corrupt';
}

/** One line describing the first of `problems`: `layer sha256:… missing`, `manifest sha256:… corrupt`. */
export function describeProblems(problems: readonly ContentProblem[]): string {
  const [first] = problems;
  if (!first) return 'intact';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `${first.role} ${first.digest} ${first.problem}${more}`;
}

/** A name refused because the image is not whole in the layout (a blob removed while a pull ran, or damaged). */
export class IncompleteImageError extends RegctlError {
  readonly problems: readonly ContentProblem[];

  constructor(name: string, problems: readonly ContentProblem[]) {
    super('failed', `cannot name ${name}: ${describeProblems(problems)} in the cache`, { subject: name });
    this.name = 'IncompleteImageError';
    this.problems = problems;
  }
}
