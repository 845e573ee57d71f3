import { RegctlError } from '../errors.js';
import { array, issueText, literal, nullable, object, optional, record, string, type Shape } from './json-shape.js';
import { DescriptorShape, type Descriptor } from './descriptor.js';
import { isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType } from './media-types.js';

/** Manifests larger than this are refused (SPEC §6; distribution-spec recommends 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Most indexes on one path from a root index down to an image (the root counts): deeper nesting, as
 * a cycle would be, is refused rather than followed.
 */
export const MAX_INDEX_DEPTH = 8;

/** The shape of an image manifest (OCI or Docker v2 schema 2). */
const ImageManifestShape: Shape = object({
  schemaVersion: literal(2),
  mediaType: optional(string()),
  artifactType: optional(string()),
  config: DescriptorShape,
  layers: array(DescriptorShape),
  subject: optional(DescriptorShape),
  annotations: optional(record(string())),
});

/** The shape of an image index or Docker manifest list. */
const ImageIndexShape: Shape = object({
  schemaVersion: literal(2),
  mediaType: optional(string()),
  artifactType: optional(string()),
  manifests: array(DescriptorShape),
  subject: optional(DescriptorShape),
  annotations: optional(record(string())),
});

/** An image manifest (unknown fields kept). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** An image index (unknown fields kept). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A parsed manifest of either kind, with the media type it was read as. */
export type ParsedManifest = { kind: 'index'; mediaType: string; index: ImageIndex } | { kind: 'manifest'; mediaType: string; manifest: ImageManifest };

/**
 * Parses manifest bytes. `mediaType` is the type the server or descriptor announced; when it is
 * missing the document's own `mediaType` (or its shape) decides. Schema 1 is refused.
 */
export function parseManifest(bytes: Uint8Array, mediaType?: string, what = 'manifest'): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new RegctlError('failed', `${what} is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegctlError('failed', `${what} is not valid JSON`);
  }
  const obj = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const declared = typeof obj['mediaType'] === 'string' ? (obj['mediaType'] as string) : undefined;
  if (isSchema1MediaType(mediaType) || isSchema1MediaType(declared) || obj['schemaVersion'] === 1) {
    throw new RegctlError(
      'failed',
      `${what} uses Docker image manifest schema 1, which is deprecated and not supported; rebuild or re-push the image with a current tool`,
    );
  }
  let type = mediaType && (isIndexMediaType(mediaType) || isManifestMediaType(mediaType)) ? mediaType : declared;
  if (!type) type = Array.isArray(obj['manifests']) ? MediaType.ociIndex : MediaType.ociManifest;
  if (isIndexMediaType(type)) {
    const issue = ImageIndexShape(doc);
    if (issue) throw new RegctlError('failed', `${what} is not a valid image index: ${issueText(issue)}`);
    return { kind: 'index', mediaType: type, index: doc as ImageIndex };
  }
  if (isManifestMediaType(type)) {
    const issue = ImageManifestShape(doc);
    if (issue) throw new RegctlError('failed', `${what} is not a valid image manifest: ${issueText(issue)}`);
    return { kind: 'manifest', mediaType: type, manifest: doc as ImageManifest };
  }
  throw new RegctlError('failed', `${what} has unsupported media type "${type}"`);
}

/** The shape of the parts of an image config regctl reads (image-spec config.md). */
const ImageConfigShape: Shape = object({
  architecture: optional(string()),
  os: optional(string()),
  variant: optional(string()),
  created: optional(string()),
  author: optional(string()),
  config: optional(nullable(object({}))),
  rootfs: optional(object({ type: string(), diff_ids: array(string()) })),
  history: optional(array(object({}))),
});

/** The parts of an image config regctl reads (unknown fields kept). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: Record<string, unknown> | null;
  rootfs?: { type: string; diff_ids: string[]; [key: string]: unknown };
  history?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** Parses an image config blob; throws a one-line error when it is not one. */
export function parseImageConfig(bytes: Uint8Array, what = 'image config'): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegctlError('failed', `${what} is not valid JSON`);
  }
  const issue = ImageConfigShape(doc);
  if (issue) throw new RegctlError('failed', `${what} is not valid: ${issueText(issue)}`);
  return doc as ImageConfig;
}
