import { z } from 'zod';

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

/** zod schema of a platform object. */
export const PlatformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  features: z.array(z.string()).optional(),
});

/** zod schema of a descriptor; unknown fields are kept so bytes round-trip. */
export const DescriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'not a valid digest'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: PlatformSchema.optional(),
  artifactType: z.string().optional(),
  data: z.string().optional(),
});

/** Annotation keys regctl reads and writes (image-spec annotations.md, containerd). */
export const Annotation = {
  refName: 'org.opencontainers.image.ref.name',
  containerdName: 'io.containerd.image.name',
  created: 'org.opencontainers.image.created',
  /** The digest of the index a single-platform pull was taken from (SPEC §2). */
  sourceIndex: 'io.regctl.image.index.digest',
} as const;
