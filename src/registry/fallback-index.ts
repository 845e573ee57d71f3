import { RegctlError } from '../errors.js';
import { listsAll, mergeReferrers, parseReferrersIndex, removeReferrers, type ReferrersIndex } from '../content/referrers.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ImageIndex } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { referrersTag } from '../oci/referrer-entry.js';
import { getManifest, headManifest, putManifest } from './manifests.js';
import type { RegistryRepository } from './repository.js';

/** Options of {@link addToFallbackIndex}. */
export interface FallbackWriteOptions {
  /** Read-modify-write rounds before giving up; default 6. */
  attempts?: number;
  /**
   * Milliseconds to wait after a write before reading the tag back, so that a writer that read the
   * old index just before ours landed has written too and is seen; default 200 (plus up to 100 of jitter).
   */
  settleMs?: number;
  /** Waits; default a timer (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/** The fallback index under a tag, as read: undefined when the tag does not exist. */
export interface FallbackRead {
  digest: string;
  index: ImageIndex;
}

/**
 * Reads the referrers fallback index `tag` of a repository; undefined when the tag is absent. A tag
 * holding something other than an image index is refused (it is not ours to overwrite), or with
 * `lenient` read as no referrers (distribution-spec "Listing Referrers": not a valid index, none).
 */
export async function readFallbackIndex(repo: RegistryRepository, tag: string, lenient = false): Promise<FallbackRead | undefined> {
  const what = `referrers tag ${repo.name}:${tag}`;
  let got;
  try {
    got = await getManifest(repo.client, repo.repository, tag, what);
  } catch (err) {
    if (err instanceof RegctlError && (err.kind === 'not-found' || (lenient && err.kind === 'failed'))) return undefined;
    throw err;
  }
  try {
    if (!isIndexMediaType(got.descriptor.mediaType))
      throw new RegctlError('failed', `${what} holds a ${got.descriptor.mediaType}, not an image index of referrers`);
    return { digest: got.descriptor.digest, index: parseReferrersIndex(got.bytes, what) };
  } catch (err) {
    if (lenient) return undefined;
    throw err;
  }
}

/** The digest a tag names now (HEAD, else GET when the registry sends no digest), or undefined when absent. */
async function currentDigest(repo: RegistryRepository, tag: string): Promise<string | undefined> {
  const head = await headManifest(repo.client, repo.repository, tag, `referrers tag ${repo.name}:${tag}`);
  if (!head) return undefined;
  if (head.digest) return head.digest;
  return (await readFallbackIndex(repo, tag))?.digest;
}

const timer = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One change to a fallback index: what to write from what is there, and what must hold afterwards. */
export interface FallbackEdit {
  /** The new index from the current one (undefined: the tag is absent); unchanged means nothing to write. */
  apply(current: ImageIndex | undefined): { index: ReferrersIndex; changed: boolean };
  /** True when the index the tag now names still carries the change (another writer did not undo it). */
  holds(current: ImageIndex | undefined): boolean;
  /** Says what failed, for the error after the last attempt. */
  what: string;
}

/**
 * Read-modify-write of the fallback index of `subject` (distribution-spec "Pushing Manifests with
 * Subject" and "Deleting Manifests", for registries without the referrers API): read the
 * `sha256-<hex>` tag (absent: an empty index), apply the edit, PUT it back. The registry offers no
 * compare-and-swap, so a concurrent writer is caught twice: right before the PUT the tag is read again
 * and must still name the index this round started from, and after the PUT (and a short wait) the
 * edit must still hold; otherwise the round starts over from what the tag names then.
 */
export async function rewriteFallbackIndex(
  repo: RegistryRepository,
  subject: Descriptor,
  edit: FallbackEdit,
  options: FallbackWriteOptions = {},
): Promise<void> {
  const tag = referrersTag(subject.digest);
  const attempts = options.attempts ?? 6;
  const sleep = options.sleep ?? timer;
  const settle = options.settleMs ?? 200;
  for (let round = 1; round <= attempts; round++) {
    const base = await readFallbackIndex(repo, tag);
    const { index, changed } = edit.apply(base?.index);
    if (!changed) return;
    if ((await currentDigest(repo, tag)) === base?.digest) {
      await putManifest(repo.client, repo.repository, tag, index.descriptor, index.bytes, `referrers tag ${repo.name}:${tag}`);
      await sleep(settle + Math.floor(Math.random() * 100));
      if (edit.holds((await readFallbackIndex(repo, tag))?.index)) return;
    }
    // Someone else wrote the tag in between: wait a little (randomly, so two writers part) and edit again.
    await sleep(Math.floor(Math.random() * 50 * round));
  }
  throw new RegctlError('failed', `could not ${edit.what} ${repo.name}:${tag}: the tag kept changing under concurrent writers (${attempts} attempts)`);
}

/** Adds `referrers` to the fallback index of `subject`, merging with what is there (see {@link rewriteFallbackIndex}). */
export function addToFallbackIndex(
  repo: RegistryRepository,
  subject: Descriptor,
  referrers: readonly Descriptor[],
  options: FallbackWriteOptions = {},
): Promise<void> {
  return rewriteFallbackIndex(
    repo,
    subject,
    {
      apply: (current) => mergeReferrers(current, referrers),
      holds: (current) => listsAll(current, referrers),
      what: `add ${referrers.length} referrer(s) to`,
    },
    options,
  );
}

/** Removes referrers (by digest) from the fallback index of `subject`; nothing when it does not list them. */
export function removeFromFallbackIndex(
  repo: RegistryRepository,
  subject: Descriptor,
  digests: readonly string[],
  options: FallbackWriteOptions = {},
): Promise<void> {
  return rewriteFallbackIndex(
    repo,
    subject,
    {
      apply: (current) => removeReferrers(current, digests),
      holds: (current) => !(current?.manifests ?? []).some((d) => digests.includes(d.digest)),
      what: `remove ${digests.length} referrer(s) from`,
    },
    options,
  );
}
