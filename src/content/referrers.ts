import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { sha256Digest } from '../oci/digest.js';
import { parseManifest, type ImageIndex } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';

/** How a referrers list was found: the registry's referrers API, or the `sha256-<hex>` fallback tag. */
export type ReferrersSource = 'api' | 'tag';

/** What refers to one subject. */
export interface ReferrerListing {
  /** The referrers (mediaType, digest, size, artifactType, annotations), in the order listed. */
  descriptors: Descriptor[];
  via: ReferrersSource;
}

/** Lists what refers to a manifest (signatures, SBOMs, attestations). */
export interface ReferrerLister {
  /** The referrers of `subject`, only those of `artifactType` when given. */
  referrers(subject: Descriptor, artifactType?: string): Promise<ReferrerListing>;
}

/** Makes referrers already stored in a target discoverable there. */
export interface ReferrerIndexer {
  /**
   * Records `referrers` (list entries, see oci/referrer-entry.ts) as referring to `subject`:
   * nothing when the target indexes them itself (`acknowledged`: the registry answered the
   * manifest PUT with `OCI-Subject`, or it has the referrers API), else the fallback index is
   * updated, merging with what is there. Resolves with how they are now found.
   */
  indexReferrers(subject: Descriptor, referrers: Descriptor[], acknowledged?: boolean): Promise<ReferrersSource>;
}

/** Keeps the referrers of one artifact type (all when `artifactType` is undefined or empty). */
export function filterReferrers(descriptors: readonly Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType ? descriptors.filter((d) => d.artifactType === artifactType) : [...descriptors];
}

/**
 * Parses a referrers list (an API page or the fallback tag's content): an OCI image index.
 * Anything else is refused with a one-line error naming `what`.
 */
export function parseReferrersIndex(bytes: Uint8Array, what: string): ImageIndex {
  const parsed = parseManifest(bytes, MediaType.ociIndex, what);
  if (parsed.kind !== 'index') throw new RegctlError('failed', `${what} is not an image index`);
  return parsed.index;
}

/** The parts of a referrers index merging reads: its entries and annotations. */
export interface ReferrersList {
  manifests: readonly Descriptor[];
  annotations?: Record<string, string>;
}

/** A fallback referrers index, as stored under the `sha256-<hex>` tag. */
export interface ReferrersIndex {
  descriptor: Descriptor;
  bytes: Buffer;
}

/**
 * Adds `additions` to the referrers in `current` (entries already listed, by digest, are kept as
 * they are) and serializes the result as an OCI image index; `changed` is false when nothing was added.
 */
export function mergeReferrers(current: ReferrersList | undefined, additions: readonly Descriptor[]): { index: ReferrersIndex; changed: boolean } {
  const manifests: Descriptor[] = [...(current?.manifests ?? [])];
  const listed = new Set(manifests.map((d) => d.digest));
  let changed = !current;
  for (const d of additions) {
    if (listed.has(d.digest)) continue;
    listed.add(d.digest);
    manifests.push(d);
    changed = true;
  }
  const doc: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  if (current?.annotations) doc['annotations'] = current.annotations;
  const bytes = Buffer.from(JSON.stringify(doc));
  return { index: { descriptor: { mediaType: MediaType.ociIndex, digest: sha256Digest(bytes), size: bytes.length }, bytes }, changed };
}

/**
 * Removes the referrers whose digests are in `digests` from `current` (a deleted artifact must not
 * stay listed, distribution-spec "Deleting Manifests"); `changed` is false when none was listed.
 */
export function removeReferrers(current: ReferrersList | undefined, digests: readonly string[]): { index: ReferrersIndex; changed: boolean } {
  const gone = new Set(digests);
  const manifests = (current?.manifests ?? []).filter((d) => !gone.has(d.digest));
  const base = mergeReferrers({ manifests, ...(current?.annotations ? { annotations: current.annotations } : {}) }, []);
  return { index: base.index, changed: !!current && manifests.length !== current.manifests.length };
}

/** True when every digest of `wanted` is listed in `index`. */
export function listsAll(index: ReferrersList | undefined, wanted: readonly Descriptor[]): boolean {
  const listed = new Set((index?.manifests ?? []).map((d) => d.digest));
  return wanted.every((d) => listed.has(d.digest));
}
