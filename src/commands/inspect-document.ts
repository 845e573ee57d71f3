import type { ImageDetail, ImageSummary } from '../content/image-summary.js';
import type { Descriptor } from '../oci/descriptor.js';
import { formatPlatform } from '../oci/platform.js';
import { goList, goMap } from './template/template-values.js';

/** The container settings of an image config (image-spec config.md `config`). */
export interface ContainerConfig {
  User?: string;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  StopSignal?: string;
}

/** One image-config history entry (image-spec config.md `history`). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The container settings of an image, or an empty set. */
export function containerConfig(image: ImageDetail | undefined): ContainerConfig {
  const c = (image?.config as { config?: ContainerConfig | null } | undefined)?.config;
  return c && typeof c === 'object' ? c : {};
}

/** What `inspect --format` runs the template on. */
export interface InspectDocumentInput {
  descriptor: Descriptor;
  name: string | null;
  repoTags: string[];
  repoDigests: string[];
  summary: ImageSummary;
  /** The image described (for an index: the chosen platform's), if one is present. */
  image: ImageDetail | undefined;
}

/**
 * The object `inspect --format` templates see, with `docker image inspect`'s field names (Id,
 * RepoTags, RepoDigests, Created, Author, Architecture, Os, Variant, Size, Config.*, RootFS.*) plus
 * regctl's Name, Digest, MediaType and Platforms. Size is the compressed size regctl reports.
 */
export function inspectDocument(input: InspectDocumentInput): Record<string, unknown> {
  const { image } = input;
  const config = (image?.config ?? {}) as {
    created?: string;
    author?: string;
    architecture?: string;
    os?: string;
    variant?: string;
    rootfs?: { type?: string; diff_ids?: string[] };
  };
  const c = containerConfig(image);
  return {
    Id: input.descriptor.digest,
    Name: input.name ?? '',
    Digest: input.descriptor.digest,
    MediaType: input.descriptor.mediaType,
    RepoTags: input.repoTags,
    RepoDigests: input.repoDigests,
    Created: config.created ?? '',
    Author: config.author ?? '',
    Architecture: image?.platform?.architecture ?? config.architecture ?? '',
    Os: image?.platform?.os ?? config.os ?? '',
    Variant: image?.platform?.variant ?? config.variant ?? '',
    Size: input.summary.size,
    Platforms: input.summary.index ? input.summary.index.manifests.map((m) => formatPlatform(m.platform)) : image ? [formatPlatform(image.platform)] : [],
    Config: {
      User: c.User ?? '',
      Env: goList(c.Env),
      Entrypoint: goList(c.Entrypoint),
      Cmd: goList(c.Cmd),
      WorkingDir: c.WorkingDir ?? '',
      Labels: goMap(c.Labels),
      ExposedPorts: goMap(c.ExposedPorts),
      Volumes: goMap(c.Volumes),
      StopSignal: c.StopSignal ?? '',
    },
    RootFS: { Type: config.rootfs?.type ?? '', Layers: goList(config.rootfs?.diff_ids) },
  };
}

/** Column titles and the bare `table` template of `inspect --format`. */
export const INSPECT_FORMAT = {
  headers: {
    Id: 'ID',
    Name: 'NAME',
    Digest: 'DIGEST',
    MediaType: 'MEDIA TYPE',
    RepoTags: 'REPO TAGS',
    RepoDigests: 'REPO DIGESTS',
    Created: 'CREATED',
    Author: 'AUTHOR',
    Architecture: 'ARCHITECTURE',
    Os: 'OS',
    Variant: 'VARIANT',
    Size: 'SIZE',
    Platforms: 'PLATFORMS',
    Config: 'CONFIG',
    RootFS: 'ROOTFS',
  },
  defaultTable: '{{.Name}}\t{{.Id}}\t{{.Os}}\t{{.Architecture}}\t{{.Size}}',
} as const;
