import type { Descriptor, Platform } from '../oci/descriptor.js';
import { attestationsOf } from '../oci/attestations.js';
import { sha256Digest } from '../oci/digest.js';
import type { ImageIndex } from '../oci/manifest.js';
import { selectPlatform } from './platform-select.js';
import type { Fetcher } from './types.js';

/** An index holding only some platforms of another: its bytes, descriptor and children. */
export interface FilteredIndex {
  descriptor: Descriptor;
  bytes: Buffer;
  /** The children kept, one per digest, in the order the platforms were asked for. */
  children: Descriptor[];
}

/**
 * The index copy writes for a platform subset of `root` (and sync compares against, to tell an
 * up-to-date target without copying): the source index with `manifests` replaced by the child
 * chosen for each platform, plus the buildx attestations of those children. Children found in nested indexes are listed directly, so the index is
 * flat; the same source and platforms always give the same bytes, hence the same digest.
 */
export async function filteredIndex(
  src: Fetcher,
  root: Descriptor,
  mediaType: string,
  index: ImageIndex,
  platforms: readonly Platform[],
): Promise<FilteredIndex> {
  const chosen: Descriptor[] = [];
  for (const p of platforms) chosen.push(await selectPlatform(src, root, index, p));
  const unique = [...new Map(chosen.map((c) => [c.digest, c])).values()];
  // buildx attestations of the kept platforms stay with them (SPEC §7).
  const children = [...unique, ...attestationsOf(index.manifests, unique)];
  const filtered = { ...index, manifests: children };
  if (!filtered.mediaType) filtered.mediaType = mediaType;
  const bytes = Buffer.from(JSON.stringify(filtered));
  return { descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length }, bytes, children };
}
