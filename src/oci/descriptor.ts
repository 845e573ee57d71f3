import { array, count, object, optional, record, string, type Shape } from './json-shape.js';

/** An OCI platform (image-spec image-index.md "platform"). */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
  features?: string[];
}

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  data?: string;
}

/** The shape of a platform object. */
export const PlatformShape: Shape = object({
  architecture: string(),
  os: string(),
  variant: optional(string()),
  'os.version': optional(string()),
  'os.features': optional(array(string())),
  features: optional(array(string())),
});

/** The shape of a descriptor; unknown fields are kept so bytes round-trip. */
export const DescriptorShape: Shape = object({
  mediaType: string(),
  digest: string(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'not a valid digest'),
  size: count,
  urls: optional(array(string())),
  annotations: optional(record(string())),
  platform: optional(PlatformShape),
  artifactType: optional(string()),
  data: optional(string()),
});

/** Annotation keys regctl reads and writes (image-spec annotations.md, containerd). */
export const Annotation = {
  refName: 'org.opencontainers.image.ref.name',
  containerdName: 'io.containerd.image.name',
  created: 'org.opencontainers.image.created',
  /** The digest of the index a single-platform pull was taken from (SPEC §2). */
  sourceIndex: 'io.regctl.image.index.digest',
} as const;
