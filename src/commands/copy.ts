import { copyDescriptor, type PlatformSelection } from '../content/copy.js';
import type { Target } from '../content/types.js';
import { RegctlError } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import { formatLocation, parseLocation, type Location } from '../ref/location.js';
import { formatReference, formatRepository, isTag, parseReference, type Reference } from '../ref/reference.js';
import type { UploadPolicy } from '../registry/repository.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import { humanSize } from './format.js';
import type { CommandIo } from './io.js';
import { bringReferrers, type ReferrerFlags } from './copy-referrers.js';
import { referrerSink, referrerSource } from './referrer-ends.js';
import type { ReferrerCopied } from '../content/referrers-copy.js';

/** Options of `regctl copy`. */
export interface CopyCommandOptions extends ReferrerFlags {
  /** A registry reference or `oci:DIR[:REF]`. */
  source: string;
  /** A registry reference or `oci:DIR[:REF]`. */
  destination: string;
  /** Platforms to keep (`os/arch[/variant]`, each entry may hold a comma-separated list): writes a filtered index. */
  platforms?: string[];
  /** Copy the whole index (the default; accepted for clarity). */
  allPlatforms?: boolean;
  quiet?: boolean;
  json?: boolean;
  /** Blobs larger than this many bytes are uploaded in chunks; default never. */
  chunkedAbove?: number;
  /** Bytes per chunk; default 16 MiB. */
  chunkSize?: number;
}

/** What copy did (also the `--json` document). */
export interface CopyCommandResult {
  source: string;
  destination: string;
  /** Digest, media type and size of what the destination now names. */
  digest: string;
  mediaType: string;
  size: number;
  /** The source's manifest or index digest; equal to `digest` unless the index was filtered. */
  sourceDigest: string;
  filtered: boolean;
  /** Platforms kept by a filtered index; empty otherwise. */
  platforms: string[];
  blobs: { copied: number; skipped: number; mounted: number };
  bytes: number;
  /** Referrers and cosign digest tags copied (`--referrers`, `--digest-tags`). */
  referrers: ReferrerCopied[];
}

/**
 * Copies an image between any two locations (registry ↔ registry, `oci:DIR` ↔ registry, oci ↔ oci)
 * with the one generic copy, streaming each blob from source to destination; the cache is never
 * opened. Within one registry blobs are mounted, so no blob bytes move. The whole index is copied
 * (digest preserved) unless platforms are named, which writes a filtered index with a new digest.
 */
export async function copy(session: Session, options: CopyCommandOptions, io: CommandIo): Promise<CopyCommandResult> {
  const wanted = (options.platforms ?? [])
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  if (wanted.length > 0 && options.allPlatforms) throw new RegctlError('usage', '--platform and --all-platforms cannot be used together');
  const selection: PlatformSelection = wanted.length ? { mode: 'subset', platforms: wanted.map(parsePlatform) } : { mode: 'all' };
  const from = parseLocation(options.source);
  const to = parseLocation(options.destination);

  const { target: src, root } = await openSource(session, from);
  const {
    target: dst,
    name: dstName,
    nameIt,
  } = await openDestination(session, from, root, to, {
    ...(options.chunkedAbove !== undefined ? { chunkedAbove: options.chunkedAbove } : {}),
    ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
    reopen: (desc) => src.fetch(desc),
  });
  if (wanted.length && !isIndexMediaType(root.mediaType) && !options.quiet) {
    io.err(`${formatLocation(from)} is a single-platform image: --platform is ignored`);
  }
  if (!options.quiet && !options.json) io.status(`Copying ${formatLocation(from)} to ${formatLocation(to)}`);
  const sameRegistry = from.kind === 'registry' && to.kind === 'registry' && from.ref.registry === to.ref.registry && from.ref.repository !== to.ref.repository;
  const transfer = {
    concurrency: session.concurrency,
    ...(io.progress ? { listener: io.progress } : {}),
    ...(sameRegistry ? { mountCandidates: () => [from.ref.repository] } : {}),
  };
  const result = await namingErrors(formatLocation(from), () =>
    copyDescriptor(src, root, dst, nameIt ? undefined : dstName, { platforms: selection, ...transfer }),
  );
  if (nameIt) await nameIt(result.descriptor);
  const referrers = await namingErrors(formatLocation(from), () =>
    bringReferrers(referrerSource(src), referrerSink(dst), result, options, transfer, io, !!(options.quiet || options.json)),
  );
  const { digest, mediaType, size } = result.descriptor;
  if (to.kind === 'registry' && to.ref.digest && to.ref.digest !== digest) {
    throw new RegctlError(
      'failed',
      `copied ${digest}, but the destination ${formatLocation(to)} names ${to.ref.digest}: drop the digest or the platform filter`,
    );
  }
  const out: CopyCommandResult = {
    source: formatLocation(from),
    destination: formatLocation(to),
    digest,
    mediaType,
    size,
    sourceDigest: result.source.digest,
    filtered: result.filtered,
    platforms: result.filtered ? wanted.map((p) => formatPlatform(parsePlatform(p))) : [],
    blobs: { copied: result.copied, skipped: result.skipped, mounted: result.mounted },
    bytes: result.bytes,
    referrers,
  };
  print(out, to, options, io);
  return out;
}

function print(r: CopyCommandResult, to: Location, options: CopyCommandOptions, io: CommandIo): void {
  const pinned = to.kind === 'registry' ? `${formatRepository(to.ref)}@${r.digest}` : `oci:${to.dir}@${r.digest}`;
  if (options.json) {
    io.out(JSON.stringify(r, null, 2));
    return;
  }
  if (options.quiet) {
    io.out(pinned);
    return;
  }
  io.status(`${r.blobs.copied} blob(s) copied (${humanSize(r.bytes)}), ${r.blobs.skipped} already present, ${r.blobs.mounted} mounted`);
  if (r.filtered) io.out(`Filtered index of ${r.platforms.join(', ')}: a new digest (the source index is ${r.sourceDigest})`);
  io.out(`Digest: ${r.digest}`);
  io.out(pinned);
}

/** The source Target (mirrors first for a registry) and the manifest it names; an `oci:DIR` without REF must hold exactly one image. */
async function openSource(session: Session, from: Location): Promise<{ target: Target; root: Descriptor }> {
  if (from.kind === 'registry') {
    const target = await session.open(from);
    return { target, root: await target.resolve(from.ref.digest ?? from.ref.tag ?? 'latest') };
  }
  const store = await session.open(from);
  if (from.ref !== undefined) return { target: store, root: await store.resolve(from.ref) };
  const entries = await store.list();
  if (entries.length === 1 && entries[0]) return { target: store, root: entries[0] };
  const names = entries.map((d) => d.annotations?.[Annotation.refName] ?? d.digest);
  const shown = names.length ? ` (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})` : '';
  throw new RegctlError('usage', `oci:${from.dir} holds ${entries.length} images; name one as oci:${from.dir}:REF${shown}`);
}

/** The repository (`host/path`) the source image belongs to, when anything names one. */
function sourceRepository(from: Location, root: Descriptor): string | undefined {
  if (from.kind === 'registry') return formatRepository(from.ref);
  for (const text of [root.annotations?.[Annotation.containerdName], from.ref]) {
    const ref = text && !isTag(text) && !isDigest(text) ? tryReference(text) : undefined;
    if (ref) return formatRepository(ref);
  }
  return undefined;
}

function tryReference(text: string): Reference | undefined {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}

/**
 * The names an `oci:DIR` entry gets. `org.opencontainers.image.ref.name` is what skopeo writes: REF
 * as given, else the source tag (or `latest`). `io.containerd.image.name`, which `ctr images import`
 * takes as the image's name, is a full name: REF itself when it is one, else the source's
 * repository with that tag; with no repository known it is left out rather than a bare tag.
 */
function layoutNames(from: Location, root: Descriptor, ref: string | undefined): { refName: string; imageName: string | null } | undefined {
  if (ref !== undefined && isDigest(ref)) return undefined;
  if (ref !== undefined && !isTag(ref)) {
    const full = tryReference(ref);
    return { refName: ref, imageName: full ? formatReference(full) : null };
  }
  const srcTag =
    from.kind === 'registry'
      ? from.ref.tag
      : from.ref !== undefined && isTag(from.ref)
        ? from.ref
        : from.ref !== undefined && !isDigest(from.ref)
          ? tryReference(from.ref)?.tag
          : undefined;
  const refName = ref ?? srcTag ?? 'latest';
  const repo = sourceRepository(from, root);
  return { refName, imageName: repo ? `${repo}:${refName}` : null };
}

/**
 * The destination Target and the name to give the copy there. A registry is opened to write with
 * the upload policy (chunk settings, and re-reading a blob from the source); an `oci:DIR` entry is
 * named after copying by {@link layoutNames}, since a layout entry without a name is invisible.
 */
async function openDestination(
  session: Session,
  from: Location,
  root: Descriptor,
  to: Location,
  uploads: UploadPolicy,
): Promise<{ target: Target; name: string | undefined; nameIt?: (desc: Descriptor) => Promise<void> }> {
  if (to.kind === 'oci') {
    const store = await session.open(to, { write: true });
    const names = layoutNames(from, root, to.ref);
    if (!names) return { target: store, name: undefined };
    return { target: store, name: names.refName, nameIt: (desc) => store.tag(desc, names.refName, { imageName: names.imageName }) };
  }
  const target = await session.open(to, { write: true, uploads });
  return { target, name: to.ref.digest ? undefined : to.ref.tag };
}
