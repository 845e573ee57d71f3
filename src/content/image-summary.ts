import { RegctlError } from '../errors.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { parseImageConfig, parseManifest, type ImageConfig, type ImageIndex, type ImageManifest } from '../oci/manifest.js';
import { isImageConfigMediaType } from '../oci/media-types.js';
import { fetchAll } from './read-all.js';
import type { Fetcher } from './types.js';

/** One platform's image: its manifest, config and sizes. */
export interface ImageDetail {
  descriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  platform?: Platform;
  /** Config plus layer sizes, compressed, in bytes. */
  size: number;
}

/** What a manifest reference names: a single image or an index of several. */
export interface ImageSummary {
  descriptor: Descriptor;
  index?: ImageIndex;
  /** Images reachable from the descriptor; for an index, only the children that are present. */
  images: ImageDetail[];
  /** Index children that are not available from this fetcher. */
  missing: Descriptor[];
  /** Total compressed size of all present images (shared blobs counted once), plus manifests. */
  size: number;
  /** The newest `created` of the images' configs, if any. */
  created?: string;
}

/** An artifact's config (a Helm chart's, an SBOM's), read as an image config when it looks like one, else as empty. */
function artifactConfig(bytes: Buffer): ImageConfig {
  try {
    return parseImageConfig(bytes);
  } catch {
    return {};
  }
}

/** Reads one image manifest and its config; undefined when `desc` names an index (not followed further). */
export async function readImage(fetcher: Fetcher, desc: Descriptor): Promise<ImageDetail | undefined> {
  const parsed = parseManifest(await fetchAll(fetcher, desc, undefined, 'manifest'), desc.mediaType, `manifest ${desc.digest}`);
  return parsed.kind === 'manifest' ? imageDetail(fetcher, desc, parsed.manifest) : undefined;
}

/** The detail of the image whose manifest (already parsed) is `manifest`: its config read, its size added up. */
export async function imageDetail(fetcher: Fetcher, desc: Descriptor, manifest: ImageManifest): Promise<ImageDetail> {
  const configBytes = await fetchAll(fetcher, manifest.config, 16 * 1024 * 1024, 'image config');
  const config = isImageConfigMediaType(manifest.config.mediaType) ? parseImageConfig(configBytes) : artifactConfig(configBytes);
  const size = manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
  const platform: Platform | undefined =
    desc.platform ??
    (config.os && config.architecture
      ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
      : undefined);
  return { descriptor: desc, manifest, config, ...(platform ? { platform } : {}), size };
}

/** Summarises what `desc` names, following an index to the children `hasChild` says are present. */
export async function summarizeImage(
  fetcher: Fetcher,
  desc: Descriptor,
  hasChild: (child: Descriptor) => Promise<boolean> = async () => true,
): Promise<ImageSummary> {
  const bytes = await fetchAll(fetcher, desc, undefined, 'manifest');
  const parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
  if (parsed.kind === 'manifest') {
    const image = await imageDetail(fetcher, desc, parsed.manifest);
    return { descriptor: desc, images: [image], missing: [], size: image.size, ...(image.config.created ? { created: image.config.created } : {}) };
  }
  const images: ImageDetail[] = [];
  const missing: Descriptor[] = [];
  const seen = new Map<string, number>();
  let size = desc.size;
  for (const child of parsed.index.manifests) {
    if (!(await hasChild(child))) {
      missing.push(child);
      continue;
    }
    try {
      const image = await readImage(fetcher, child);
      // An index inside an index is not followed: its images count as missing here.
      if (!image) {
        missing.push(child);
        continue;
      }
      images.push(image);
      size += child.size;
      for (const b of [image.manifest.config, ...image.manifest.layers]) seen.set(b.digest, b.size);
    } catch (err) {
      if (err instanceof RegctlError && err.kind === 'not-found') missing.push(child);
      else throw err;
    }
  }
  for (const s of seen.values()) size += s;
  const created = images
    .map((i) => i.config.created)
    .filter((c): c is string => !!c)
    .sort()
    .at(-1);
  return { descriptor: desc, index: parsed.index, images, missing, size, ...(created ? { created } : {}) };
}
