import { RegctlError } from '../errors.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { MAX_INDEX_DEPTH, parseImageConfig, parseManifest, type ImageIndex } from '../oci/manifest.js';
import { isImageConfigMediaType, isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { formatPlatform, platformMatches } from '../oci/platform.js';
import { fetchAll } from './read-all.js';
import type { Fetcher } from './types.js';

const CONFIG_LIMIT = 16 * 1024 * 1024;

/**
 * The path of index digests from a root index down to `child`, refusing a cycle and more than
 * {@link MAX_INDEX_DEPTH} indexes on one path with a one-line error naming the root.
 */
export function descend(path: readonly string[], child: Descriptor): string[] {
  const root = path[0] ?? child.digest;
  if (path.includes(child.digest)) throw new RegctlError('failed', `index ${root} refers back to ${child.digest}: a cycle of indexes`);
  if (path.length + 1 > MAX_INDEX_DEPTH) {
    throw new RegctlError('failed', `index ${root} nests indexes more than ${MAX_INDEX_DEPTH} levels deep (at ${child.digest}); refusing to follow it`);
  }
  return [...path, child.digest];
}

interface Search {
  fetcher: Fetcher;
  platform: Platform;
  /** Platforms seen on the way, for the error when none matches. */
  seen: Set<string>;
}

/**
 * Finds the image manifest for `platform` in an index, as containerd does: children whose
 * platform matches first, then children without one — a nested index is searched in turn, a
 * manifest is matched by its config's os and architecture. The descriptor returned carries the
 * platform it was matched on. Not found is exit 3, listing the platforms the index offers.
 */
export async function selectPlatform(fetcher: Fetcher, root: Descriptor, index: ImageIndex, platform: Platform): Promise<Descriptor> {
  const search: Search = { fetcher, platform, seen: new Set() };
  const found = await searchIndex(search, index, [root.digest]);
  if (found) return found;
  const available = [...search.seen].filter((p) => p !== 'unknown/unknown' && p !== 'unknown');
  throw new RegctlError('not-found', `no image for platform ${formatPlatform(platform)} in index ${root.digest}; available: ${available.join(', ') || 'none'}`);
}

async function searchIndex(s: Search, index: ImageIndex, path: string[]): Promise<Descriptor | undefined> {
  for (const m of index.manifests) if (m.platform) s.seen.add(formatPlatform(m.platform));
  const matching = index.manifests.filter((m) => m.platform && platformMatches(s.platform, m.platform));
  const unplaced = index.manifests.filter((m) => !m.platform);
  for (const child of [...matching, ...unplaced]) {
    // A matching image needs no read: copying it reads it anyway.
    if (child.platform && isManifestMediaType(child.mediaType)) return child;
    const what = `manifest ${child.digest}`;
    const parsed = parseManifest(await fetchAll(s.fetcher, child, undefined, what), child.mediaType, what);
    if (parsed.kind === 'index') {
      const found = await searchIndex(s, parsed.index, descend(path, child));
      if (found) return found;
      continue;
    }
    if (child.platform) return child;
    if (isIndexMediaType(child.mediaType) || !isImageConfigMediaType(parsed.manifest.config.mediaType)) continue;
    const config = parseImageConfig(await fetchAll(s.fetcher, parsed.manifest.config, CONFIG_LIMIT, 'image config'));
    if (!config.os || !config.architecture) continue;
    const own: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
    s.seen.add(formatPlatform(own));
    if (platformMatches(s.platform, own)) return { ...child, platform: own };
  }
  return undefined;
}
