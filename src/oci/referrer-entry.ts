import { RegctlError } from '../errors.js';
import type { Descriptor } from './descriptor.js';
import { parseManifest } from './manifest.js';
import { MediaType } from './media-types.js';

/**
 * The empty JSON descriptor (image-spec manifest.md "Guidance for an Empty Descriptor"): the
 * 2-byte `{}` blob an artifact uses as its config, and as its one layer when it carries no file.
 */
export const EMPTY_DESCRIPTOR: Readonly<Descriptor> = Object.freeze({
  mediaType: MediaType.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
});

/** The bytes of the empty JSON blob. */
export const EMPTY_JSON = Buffer.from('{}');

/** Annotation keys of supply-chain content (image-spec annotations.md, buildx attestations, cosign). */
export const ReferrerAnnotation = {
  title: 'org.opencontainers.image.title',
  /** buildx: what an index entry is (`attestation-manifest`). */
  referenceType: 'vnd.docker.reference.type',
  /** buildx: the image manifest an attestation manifest is about. */
  referenceDigest: 'vnd.docker.reference.digest',
} as const;

/** Characters a tag may not hold become `-` (distribution-spec "Referrers Tag Schema"). */
const TAG_UNSAFE = /[^A-Za-z0-9_.-]/g;

/**
 * The referrers fallback tag of a digest (distribution-spec "Referrers Tag Schema"): the algorithm
 * truncated to 32 characters, `-`, the encoded part truncated to 64, e.g. `sha256-<hex>`.
 */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(':');
  if (colon <= 0) throw new RegctlError('usage', `invalid digest "${digest}"`);
  const algorithm = digest.slice(0, colon).slice(0, 32);
  const encoded = digest.slice(colon + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(TAG_UNSAFE, '-');
}

/** A referrer as a referrers list holds it, and the subject it names. */
export interface ReferrerEntry {
  /** mediaType, digest, size, artifactType and annotations of the referrer. */
  descriptor: Descriptor;
  /** The manifest the referrer's `subject` names; undefined when it has none. */
  subject: Descriptor | undefined;
}

/**
 * The descriptor a referrers list holds for a manifest or index (distribution-spec "Listing
 * Referrers"): its `artifactType`, else for an image manifest the config's media type (an index
 * without one has none), and the manifest's annotations.
 */
export function referrerEntry(desc: Pick<Descriptor, 'digest' | 'size' | 'mediaType'>, bytes: Uint8Array): ReferrerEntry {
  const parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
  const doc = parsed.kind === 'manifest' ? parsed.manifest : parsed.index;
  const artifactType = doc.artifactType || (parsed.kind === 'manifest' ? parsed.manifest.config.mediaType : undefined);
  const descriptor: Descriptor = { mediaType: parsed.mediaType, digest: desc.digest, size: desc.size };
  if (artifactType) descriptor.artifactType = artifactType;
  if (doc.annotations && Object.keys(doc.annotations).length > 0) descriptor.annotations = { ...doc.annotations };
  return { descriptor, subject: doc.subject };
}
