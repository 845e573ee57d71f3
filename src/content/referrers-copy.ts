import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { referrerEntry, referrersTag } from '../oci/referrer-entry.js';
import { copyDescriptor, type CopyOptions } from './copy.js';
import { fetchAll } from './read-all.js';
import type { ReferrerIndexer, ReferrerLister } from './referrers.js';
import type { Target } from './types.js';

/** Most referrers on one chain (a signature of an SBOM of an image is 2): deeper is refused, as a cycle would be. */
export const MAX_REFERRER_DEPTH = 8;

/** cosign's legacy tags beside a digest: signatures, attestations, SBOMs (`sha256-<hex>.sig`…). */
export const COSIGN_SUFFIXES = ['.sig', '.att', '.sbom'] as const;

/** The source of a referrers copy. */
export interface ReferrerSource {
  target: Target;
  lister: ReferrerLister;
}

/** The destination of a referrers copy. */
export interface ReferrerSink {
  target: Target;
  indexer: ReferrerIndexer;
  /** Names a manifest at the destination with a tag (cosign's digest tags). */
  tag(desc: Descriptor, tag: string): Promise<void>;
}

/** Options of {@link copyReferrers}. */
export interface ReferrerCopyOptions {
  /** Follow referrers (API or fallback tag), recursively; default true. */
  referrers?: boolean;
  /** Copy cosign's `sha256-<hex>.sig|.att|.sbom` tags of every subject too; default false. */
  digestTags?: boolean;
  /** Options of each copy (concurrency, progress, mounts); platforms are always all. */
  copy?: Omit<CopyOptions, 'platforms'>;
  /** Told about each referrer or digest tag copied. */
  onCopied?: (event: ReferrerCopied) => void;
  /** Told about a referrer that is skipped (an unsupported media type). */
  warn?: (line: string) => void;
}

/** One referrer (or cosign digest tag) copied. */
export interface ReferrerCopied {
  subject: string;
  digest: string;
  mediaType: string;
  artifactType?: string;
  /** The digest tag it was found by, for cosign's legacy tags. */
  tag?: string;
  /** How the destination now finds it: by its referrers API, its fallback tag, or the digest tag. */
  indexedBy: 'api' | 'tag' | 'digest-tag';
}

interface Pending {
  subject: Descriptor;
  depth: number;
}

/**
 * Copies everything that refers to `subjects`, recursively (a signature of an SBOM of an image):
 * each referrer listed at the source (its API or fallback tag) is copied whole, then made
 * discoverable at the destination by its indexer (the registry indexes a manifest with `subject`
 * itself; otherwise the fallback index is merged with what is there). With `digestTags`, cosign's
 * legacy tags of each subject are copied under the same names. A referrer seen before (shared, or
 * a cycle in a hostile list) is not followed again; a chain deeper than {@link MAX_REFERRER_DEPTH}
 * is refused with one line.
 */
export async function copyReferrers(
  src: ReferrerSource,
  dst: ReferrerSink,
  subjects: readonly Descriptor[],
  options: ReferrerCopyOptions = {},
): Promise<ReferrerCopied[]> {
  const copied: ReferrerCopied[] = [];
  const seen = new Set(subjects.map((s) => s.digest));
  const missing = new Set<string>();
  const queue: Pending[] = subjects.map((subject) => ({ subject, depth: 0 }));
  const copyOne = (desc: Descriptor): Promise<unknown> =>
    copyDescriptor(src.target, desc, dst.target, undefined, { ...options.copy, platforms: { mode: 'all' } });
  /** Claims `child` (at `depth` below a subject) for copying; false when it was seen before. */
  const claim = (subject: Descriptor, child: Descriptor, depth: number): boolean => {
    if (seen.has(child.digest)) return false;
    if (depth > MAX_REFERRER_DEPTH) {
      throw new RegctlError(
        'failed',
        `referrers of ${subjects[0]?.digest} nest more than ${MAX_REFERRER_DEPTH} levels deep (at ${child.digest}, a referrer of ${subject.digest}); refusing to follow them`,
      );
    }
    seen.add(child.digest);
    return true;
  };
  const report = (event: ReferrerCopied): void => {
    copied.push(event);
    options.onCopied?.(event);
  };
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { subject, depth } = next;
    if (options.referrers ?? true) {
      const entries: Descriptor[] = [];
      for (const listed of (await src.lister.referrers(subject)).descriptors) {
        if (!isManifestMediaType(listed.mediaType) && !isIndexMediaType(listed.mediaType)) {
          options.warn?.(`referrer ${listed.digest} of ${subject.digest} is a ${listed.mediaType}, which regctl cannot copy; skipped`);
          continue;
        }
        if (listed.digest === subject.digest || missing.has(listed.digest) || entries.some((e) => e.digest === listed.digest)) continue;
        const bare: Descriptor = { mediaType: listed.mediaType, digest: listed.digest, size: listed.size };
        if (claim(subject, bare, depth + 1)) {
          // A fallback list can outlive what it lists (deleted by a tool that left the entry).
          if (
            !(await copyOne(bare).then(
              () => true,
              (err: unknown) => skipMissing(err),
            ))
          ) {
            missing.add(listed.digest);
            options.warn?.(`referrer ${listed.digest} of ${subject.digest} is listed but missing at the source; skipped`);
            continue;
          }
          queue.push({ subject: bare, depth: depth + 1 });
        }
        entries.push(referrerEntry(bare, await fetchAll(src.target, bare, undefined, `referrer ${listed.digest}`)).descriptor);
      }
      if (entries.length > 0) {
        const via = await dst.indexer.indexReferrers(subject, entries);
        for (const e of entries)
          report({
            subject: subject.digest,
            digest: e.digest,
            mediaType: e.mediaType,
            ...(e.artifactType ? { artifactType: e.artifactType } : {}),
            indexedBy: via,
          });
      }
    }
    if (options.digestTags) {
      for (const suffix of COSIGN_SUFFIXES) {
        const tag = referrersTag(subject.digest) + suffix;
        const found = await resolveIfPresent(src.target, tag);
        if (!found) continue;
        if (claim(subject, found, depth + 1)) queue.push({ subject: found, depth: depth + 1 });
        await copyOne(found);
        await dst.tag(found, tag);
        report({ subject: subject.digest, digest: found.digest, mediaType: found.mediaType, tag, indexedBy: 'digest-tag' });
      }
    }
  }
  return copied;
}

/** False for a not-found error (the caller skips that referrer); anything else is rethrown. */
function skipMissing(err: unknown): false {
  if (err instanceof RegctlError && err.kind === 'not-found') return false;
  throw err;
}

/** The manifest a tag names at the source, or undefined when there is none. */
async function resolveIfPresent(target: Target, tag: string): Promise<Descriptor | undefined> {
  try {
    const desc = await target.resolve(tag);
    return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  } catch (err) {
    if (err instanceof RegctlError && err.kind === 'not-found') return undefined;
    throw err;
  }
}
