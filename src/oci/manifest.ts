import { z } from 'zod';
import { RegctlError } from '../errors.js';
import { DescriptorSchema, type Descriptor } from './descriptor.js';
import { isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType } from './media-types.js';

/** Manifests larger than this are refused (SPEC §6; distribution-spec recommends 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Most indexes on one path from a root index down to an image (the root counts): deeper nesting, as
 * a cycle would be, is refused rather than followed.
 */
export const MAX_INDEX_DEPTH = 8;

/** zod schema of an image manifest (OCI or Docker v2 schema 2). */
export const ImageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** zod schema of an image index or Docker manifest list. */
export const ImageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** An image manifest. */
export type ImageManifest = z.infer<typeof ImageManifestSchema> & { config: Descriptor; layers: Descriptor[] };
/** An image index. */
export type ImageIndex = z.infer<typeof ImageIndexSchema> & { manifests: Descriptor[] };

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
    const r = ImageIndexSchema.safeParse(doc);
    if (!r.success) throw new RegctlError('failed', `${what} is not a valid image index: ${firstIssue(r.error)}`);
    return { kind: 'index', mediaType: type, index: r.data as ImageIndex };
  }
  if (isManifestMediaType(type)) {
    const r = ImageManifestSchema.safeParse(doc);
    if (!r.success) throw new RegctlError('failed', `${what} is not a valid image manifest: ${firstIssue(r.error)}`);
    return { kind: 'manifest', mediaType: type, manifest: r.data as ImageManifest };
  }
  throw new RegctlError('failed', `${what} has unsupported media type "${type}"`);
}

/** The first zod issue as "path: message", for one-line errors. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}

/** zod schema of the parts of an image config regctl reads (image-spec config.md). */
export const ImageConfigSchema = z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  author: z.string().optional(),
  config: z.looseObject({}).nullable().optional(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) }).optional(),
  history: z.array(z.looseObject({})).optional(),
});

/** The parts of an image config regctl reads. */
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

/** Parses an image config blob; throws a one-line error when it is not one. */
export function parseImageConfig(bytes: Uint8Array, what = 'image config'): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegctlError('failed', `${what} is not valid JSON`);
  }
  const r = ImageConfigSchema.safeParse(doc);
  if (!r.success) throw new RegctlError('failed', `${what} is not valid: ${firstIssue(r.error)}`);
  return r.data;
}
