import type { CopyOptions, CopyResult } from '../content/copy.js';
import { fetchAll } from '../content/read-all.js';
import { copyReferrers, type ReferrerCopied, type ReferrerSink, type ReferrerSource } from '../content/referrers-copy.js';
import { descend } from '../content/platform-select.js';
import type { Fetcher } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import type { CommandIo } from './io.js';

/** What copy and pull were asked to bring along. */
export interface ReferrerFlags {
  /** `--referrers`: everything that refers to the image, recursively. */
  referrers?: boolean;
  /** `--digest-tags`: cosign's `sha256-<hex>.sig|.att|.sbom` tags. */
  digestTags?: boolean;
}

/**
 * The manifests a copy put at the destination whose referrers belong with it: the root (unless it is
 * a new, filtered index, which nothing can refer to yet) and every manifest and index below it.
 */
export async function copiedSubjects(dst: Fetcher, result: CopyResult): Promise<Descriptor[]> {
  const root: Descriptor = { mediaType: result.descriptor.mediaType, digest: result.descriptor.digest, size: result.descriptor.size };
  const out: Descriptor[] = result.filtered ? [] : [root];
  const walk = async (index: Descriptor, path: string[]): Promise<void> => {
    const parsed = parseManifest(await fetchAll(dst, index, undefined, `manifest ${index.digest}`), index.mediaType, `manifest ${index.digest}`);
    if (parsed.kind !== 'index') return;
    for (const child of parsed.index.manifests) {
      const bare: Descriptor = { mediaType: child.mediaType, digest: child.digest, size: child.size };
      out.push(bare);
      if (isIndexMediaType(child.mediaType)) await walk(bare, descend(path, bare));
    }
  };
  if (isIndexMediaType(root.mediaType)) await walk(root, [root.digest]);
  return out;
}

/**
 * After a copy or pull: copies the referrers (and with `digestTags` cosign's tags) of what was
 * copied, reporting each on stderr. Resolves with what was copied (empty when nothing was asked).
 */
export async function bringReferrers(
  src: ReferrerSource,
  dst: ReferrerSink,
  result: CopyResult,
  flags: ReferrerFlags,
  copy: Omit<CopyOptions, 'platforms'>,
  io: CommandIo,
  quiet: boolean,
): Promise<ReferrerCopied[]> {
  if (!flags.referrers && !flags.digestTags) return [];
  const subjects = await copiedSubjects(dst.target, result);
  const copied = await copyReferrers(src, dst, subjects, {
    referrers: !!flags.referrers,
    digestTags: !!flags.digestTags,
    copy,
    warn: (line) => io.err(line),
    onCopied: (c) => {
      if (quiet) return;
      const what = c.tag ? `tag ${c.tag}` : `referrer ${c.artifactType ?? c.mediaType}`;
      io.status(`${c.digest}: ${what} of ${c.subject} copied${c.indexedBy === 'tag' ? ' (fallback tag updated)' : ''}`);
    },
  });
  if (!quiet) {
    const tags = copied.filter((c) => c.tag !== undefined).length;
    io.status(`${copied.length - tags} referrer(s)${flags.digestTags ? ` and ${tags} digest tag(s)` : ''} copied`);
  }
  return copied;
}
