import { fetchAll } from '../content/read-all.js';
import type { Fetcher } from '../content/types.js';
import { RegctlError } from '../errors.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { sha256Digest } from '../oci/digest.js';
import { parseImageConfig, parseManifest, type ImageConfig, type ImageIndex } from '../oci/manifest.js';
import { isImageConfigMediaType, MediaType } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';

const CONFIG_LIMIT = 16 * 1024 * 1024;

/** One entry a SRC of `manifest create` contributes to a manifest list. */
export interface ListEntry {
  /** The SRC it came from, as printed (normalized when it is a reference). */
  source: string;
  /** The entry as listed in the index: media type, digest, size, platform (and annotations, from a source index). */
  descriptor: Descriptor;
  /** The image manifest's exact bytes. */
  manifest: Buffer;
  /** Its config and layers, as the manifest lists them. */
  blobs: Descriptor[];
  /** The config blob's bytes, when it was read. */
  config?: Buffer;
}

/** Options of {@link listEntries}. */
export interface ListEntryOptions {
  /** Take every entry of a SRC that is an index (`--all`); otherwise such a SRC is a usage error. */
  all: boolean;
  /** Read every config (to store it); otherwise only where the platform must come from it. */
  readConfigs: boolean;
}

/** The platform an image config describes (os, architecture, variant, os.version, os.features), if it names one. */
export function platformOfConfig(config: ImageConfig): Platform | undefined {
  if (!config.os || !config.architecture) return undefined;
  const extra = config as Record<string, unknown>;
  const osVersion = extra['os.version'];
  const osFeatures = extra['os.features'];
  return {
    architecture: config.architecture,
    os: config.os,
    ...(config.variant ? { variant: config.variant } : {}),
    ...(typeof osVersion === 'string' && osVersion ? { 'os.version': osVersion } : {}),
    ...(Array.isArray(osFeatures) && osFeatures.length ? { 'os.features': osFeatures.map(String) } : {}),
  };
}

/**
 * The entries SRC (`root`, read through `fetcher`) gives a manifest list: one for an image, its
 * platform taken from its config (as `docker manifest create` does); with `all`, every entry of an
 * index, keeping the platform and annotations the index gives it (buildx attestations included).
 */
export async function listEntries(fetcher: Fetcher, root: Descriptor, source: string, options: ListEntryOptions): Promise<ListEntry[]> {
  const bytes = await fetchAll(fetcher, root, undefined, `manifest ${root.digest}`);
  const parsed = parseManifest(bytes, root.mediaType, `manifest of ${source}`);
  if (parsed.kind === 'manifest') {
    const entry = await imageEntry(fetcher, { mediaType: parsed.mediaType, digest: root.digest, size: root.size }, bytes, source, true);
    if (!entry.descriptor.platform) {
      throw new RegctlError('usage', `${source} names no platform in its config (${entry.blobs[0]?.mediaType ?? 'no config'}): a manifest list holds images`);
    }
    return [entry];
  }
  if (!options.all) {
    const platforms = parsed.index.manifests.map((m) => formatPlatform(m.platform)).filter((p) => p !== 'unknown/unknown');
    throw new RegctlError(
      'usage',
      `${source} is a manifest list (${platforms.join(', ') || 'no platforms'}): add --all to take all of its entries, or name one image by its digest`,
    );
  }
  const entries: ListEntry[] = [];
  for (const child of parsed.index.manifests) {
    const childBytes = await fetchAll(fetcher, child, undefined, `manifest ${child.digest}`);
    const childParsed = parseManifest(childBytes, child.mediaType, `manifest ${child.digest} of ${source}`);
    if (childParsed.kind !== 'manifest') {
      throw new RegctlError('failed', `${source} holds a nested index (${child.digest}): manifest create takes images, or indexes of images, only`);
    }
    const entry = await imageEntry(fetcher, child, childBytes, source, options.readConfigs || !child.platform);
    entries.push(entry);
  }
  return entries;
}

async function imageEntry(fetcher: Fetcher, desc: Descriptor, bytes: Buffer, source: string, readConfig: boolean): Promise<ListEntry> {
  const parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest} of ${source}`);
  if (parsed.kind !== 'manifest') throw new RegctlError('failed', `manifest ${desc.digest} of ${source} is not an image manifest`);
  const { config, layers } = parsed.manifest;
  const entry: ListEntry = { source, descriptor: { ...desc }, manifest: bytes, blobs: [config, ...layers] };
  if (!readConfig) return entry;
  entry.config = await fetchAll(fetcher, config, CONFIG_LIMIT, `config of ${source}`);
  if (!desc.platform && isImageConfigMediaType(config.mediaType)) {
    const platform = platformOfConfig(parseImageConfig(entry.config, `config of ${source}`));
    if (platform) entry.descriptor.platform = platform;
  }
  return entry;
}

/** An image index as regctl writes one (unknown fields of an amended index are kept). */
export interface IndexDocument {
  [field: string]: unknown;
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** A manifest list as written: its descriptor, exact bytes and document. */
export interface SerializedIndex {
  descriptor: Descriptor;
  bytes: Buffer;
  index: IndexDocument;
}

/** A manifest list as built, with the platforms it now lists more than once. */
export interface BuiltIndex extends SerializedIndex {
  duplicates: string[];
}

/**
 * The index listing `base`'s entries (when amending) then `entries`, an entry of the same digest
 * replacing the earlier one; `annotations` are merged over the index's own. A new list is an OCI
 * image index; an amended one keeps its media type.
 */
export function buildIndex(base: ImageIndex | undefined, entries: readonly Descriptor[], annotations: Readonly<Record<string, string>>): BuiltIndex {
  const manifests: Descriptor[] = [...(base?.manifests ?? [])];
  for (const entry of entries) {
    const at = manifests.findIndex((m) => m.digest === entry.digest);
    if (at >= 0) manifests.splice(at, 1, entry);
    else manifests.push(entry);
  }
  const merged = { ...base?.annotations, ...annotations };
  const index: IndexDocument = {
    ...base,
    schemaVersion: 2,
    mediaType: base?.mediaType ?? MediaType.ociIndex,
    manifests,
    ...(Object.keys(merged).length ? { annotations: merged } : {}),
  };
  return { ...serializeIndex(index), duplicates: duplicatePlatforms(manifests) };
}

/** The bytes and descriptor of `index` as regctl writes it (compact JSON). */
export function serializeIndex(index: IndexDocument): SerializedIndex {
  const bytes = Buffer.from(JSON.stringify(index));
  return { descriptor: { mediaType: index.mediaType, digest: sha256Digest(bytes), size: bytes.length }, bytes, index };
}

function duplicatePlatforms(manifests: readonly Descriptor[]): string[] {
  const seen = new Map<string, number>();
  for (const m of manifests) {
    const p = formatPlatform(m.platform);
    if (m.platform && p !== 'unknown/unknown') seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([p]) => p);
}

/** One entry of a list as `--json` reports it. */
export interface ListEntryReport {
  source: string | null;
  digest: string;
  mediaType: string;
  size: number;
  platform: string | null;
}

/** The `--json` form of an index's entries; `sources` maps a digest to the SRC it came from in this run. */
export function entryReports(index: Pick<IndexDocument, 'manifests'>, sources: ReadonlyMap<string, string>): ListEntryReport[] {
  return index.manifests.map((m) => ({
    source: sources.get(m.digest) ?? null,
    digest: m.digest,
    mediaType: m.mediaType,
    size: m.size,
    platform: m.platform ? formatPlatform(m.platform) : null,
  }));
}
