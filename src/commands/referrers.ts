import type { ReferrerLister, ReferrersSource } from '../content/referrers.js';
import { RegctlError } from '../errors.js';
import { LayoutStore } from '../layout/layout-store.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { referrersTag } from '../oci/referrer-entry.js';
import { formatLocation, parseLocation } from '../ref/location.js';
import { formatReference, formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { checkMediaType } from './attach-files.js';
import { humanSize, table } from './format.js';
import type { CommandIo } from './io.js';
import { namingErrors } from './name-errors.js';
import { cacheTagNames, referrersOf } from './referrer-ends.js';

/** Options of `regctl referrers`. */
export interface ReferrersOptions {
  /** A registry reference, `oci:DIR:REF`, or with `local` a cached image. */
  reference: string;
  /** `--artifact-type`: only referrers of this type. */
  artifactType?: string;
  json?: boolean;
  /** `--local`: look in the cache instead of the registry. */
  local?: boolean;
}

/** The `--json` document. */
export interface ReferrersResult {
  subject: { reference: string; digest: string; mediaType: string; size: number };
  /** How they were found: the registry's referrers API, or the `sha256-<hex>` fallback tag. */
  via: ReferrersSource;
  referrers: Descriptor[];
}

/** A subject and where to list its referrers. */
interface Subject {
  shown: string;
  descriptor: Descriptor;
  lister: ReferrerLister;
}

/**
 * Lists what refers to an image (signatures, SBOMs, attestations): the registry's referrers API,
 * else its `sha256-<hex>` fallback tag; in an OCI layout or the cache (no API), the fallback tag.
 * A table (digest, artifact type, created annotation, size of the referrer's manifest), or one JSON document.
 */
export async function referrers(session: Session, options: ReferrersOptions, io: CommandIo): Promise<ReferrersResult> {
  const artifactType = options.artifactType === undefined ? undefined : checkMediaType(options.artifactType, '--artifact-type');
  const subject = options.local ? await cachedSubject(session, options.reference) : await openSubject(session, options.reference);
  const listing = await namingErrors(subject.shown, () => subject.lister.referrers(subject.descriptor, artifactType));
  const { mediaType, digest, size } = subject.descriptor;
  const result: ReferrersResult = { subject: { reference: subject.shown, digest, mediaType, size }, via: listing.via, referrers: listing.descriptors };
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
    return result;
  }
  const how = listing.via === 'api' ? 'the referrers API' : `the fallback tag ${referrersTag(digest)}`;
  io.err(`${listing.descriptors.length} referrer(s) of ${subject.shown}@${digest}${artifactType ? ` of type ${artifactType}` : ''}, from ${how}`);
  const rows = listing.descriptors.map((d) => [d.digest, d.artifactType ?? d.mediaType, d.annotations?.[Annotation.created] ?? '-', humanSize(d.size)]);
  for (const line of table(['DIGEST', 'ARTIFACT TYPE', 'CREATED', 'SIZE'], rows)) io.out(line);
  return result;
}

/** A registry image (read through mirrors) or an `oci:DIR:REF` image. */
async function openSubject(session: Session, reference: string): Promise<Subject> {
  const location = parseLocation(reference);
  const shown = formatLocation(location);
  if (location.kind === 'oci') {
    if (location.ref === undefined) throw new RegctlError('usage', `name the image inside the layout: oci:${location.dir}:REF`);
    const ref = location.ref;
    const store = await LayoutStore.open(location.dir, { create: false });
    const found = await namingErrors(shown, () => store.resolve(ref));
    return { shown: `oci:${location.dir}`, descriptor: bare(found), lister: referrersOf(store) };
  }
  const source = session.source(location.ref);
  const found = await namingErrors(shown, () => source.head(location.ref.digest ?? location.ref.tag ?? 'latest'));
  return { shown: formatRepository(location.ref), descriptor: bare(found), lister: referrersOf(source) };
}

/** A cached image (by name, digest or ID): its referrers are under REPO:sha256-<hex> in the cache. */
async function cachedSubject(session: Session, reference: string): Promise<Subject> {
  const cache = await session.cache();
  const store = cache.store;
  const pinned = /^[a-z0-9]/.test(reference) && reference.includes('@') ? parseReference(reference) : undefined;
  if (pinned?.digest) {
    // A referrer stored by pull --referrers has no name of its own: it is found by digest.
    const digest = pinned.digest;
    const found = await namingErrors(formatReference(pinned), () => store.resolve(digest));
    const repository = formatRepository(pinned);
    return { shown: repository, descriptor: bare(found), lister: referrersOf(store, cacheTagNames(repository)) };
  }
  const found = await cache.find(reference);
  const name = found.name ?? (await cache.namesOf(found.descriptor.digest))[0];
  if (!name) throw new RegctlError('not-found', `cached image ${reference} has no name, so no referrers are stored for it`);
  const repository = formatRepository(parseReference(name));
  return { shown: repository, descriptor: bare(found.descriptor), lister: referrersOf(store, cacheTagNames(repository)) };
}

function bare(desc: Descriptor): Descriptor {
  return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
}
