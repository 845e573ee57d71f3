import { RegctlError } from '../errors.js';
import type { Cache } from '../layout/cache.js';
import { describeProblems, imageProblems } from '../layout/image-check.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { familiarRepository, formatRepository, parseReference, parseRepository, type Reference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { humanSize, shortId, table, timeAgo } from './format.js';
import { ImageFactsReader, type ImageFacts } from './image-facts.js';
import type { CommandIo } from './io.js';
import { IMAGES_FORMAT, imageFormatRow, outputFormat, printRows } from './row-formats.js';

/** Options of `regctl images`. */
export interface ImagesOptions {
  /** Only this repository (any form docker accepts). */
  repository?: string;
  /** One JSON document on stdout instead of a table. */
  json?: boolean;
  /** Add the full digest columns: the one pull printed (to pin) and, when it differs, the one stored. */
  digests?: boolean;
  /** Only print image IDs (-q). */
  quiet?: boolean;
  /** docker's Go-template subset per row (see row-formats.ts IMAGES_FORMAT); wins over the others. */
  format?: string;
}

/** One row of `regctl images`. */
export interface ImageRow {
  /** Full normalized name, e.g. docker.io/library/node:latest; null for an image loaded without one (docker's `<none>`). */
  name: string | null;
  repository: string | null;
  tag: string | null;
  /** The manifest (or index) stored under the name. */
  digest: string;
  /**
   * The registry's index a platform (or platform subset) was pulled from — the digest pull printed —
   * when it differs from `digest` (`io.regctl.image.index.digest`); null otherwise.
   */
  indexDigest: string | null;
  mediaType: string;
  size: number;
  created: string | null;
  platforms: string[];
  /** Present only when the image is damaged in the cache: what is wrong, e.g. `config sha256:… missing`. */
  broken?: string;
}

/** What the listing knows of one cached image: its facts, or what keeps it from being read. */
interface Described {
  facts?: ImageFacts;
  broken?: { short: string; full: string };
}

/**
 * The facts of one cached image without letting a damaged one fail the listing: a missing or
 * corrupt manifest or config is reported as the image's problem instead. (Layers are not looked
 * at: listing stays a read of small files; `regctl check` looks at everything.)
 */
async function describeImage(cache: Cache, reader: ImageFactsReader, desc: Descriptor): Promise<Described> {
  try {
    return { facts: await reader.of(desc) };
  } catch (err) {
    if (!(err instanceof RegctlError)) throw err;
    const problems = await imageProblems(cache.store.dir, desc);
    const first = problems[0];
    if (!first) return { broken: { short: 'unreadable', full: err.message } };
    return { broken: { short: `${first.role} ${first.problem}`, full: describeProblems(problems) } };
  }
}

/** Lists the cached images: repository, tag, digest, size, created. */
export async function images(session: Session, options: ImagesOptions, io: CommandIo): Promise<ImageRow[]> {
  const format = outputFormat(options.format, IMAGES_FORMAT);
  const cache = await session.cache();
  const wanted = options.repository ? parseRepository(options.repository) : undefined;
  const filter = wanted ? formatRepository(wanted) : undefined;
  const rows: (ImageRow & { ref?: Reference })[] = [];
  // Every image's facts are started in index order (read in parallel, or taken from the listing
  // memo) and used in that order; many names often share one image, read once. A damaged image
  // does not fail the listing: what is wrong with it is reported instead.
  const reader = await ImageFactsReader.open(cache.store);
  const entries = await cache.images();
  const listed: { name: string | undefined; desc: Descriptor; ref: Reference | undefined; facts: Promise<Described> }[] = [];
  const described = new Map<string, Promise<Described>>();
  const broken = new Map<string, string>();
  for (const { name, descriptor: desc } of entries) {
    let ref: Reference | undefined;
    if (name) {
      try {
        ref = parseReference(name);
      } catch {
        continue;
      }
    }
    // Unnamed entries (an archive loaded without names) are docker's dangling <none> images.
    if (filter && (!ref || formatRepository(ref) !== filter)) continue;
    let facts = described.get(desc.digest);
    if (!facts) described.set(desc.digest, (facts = describeImage(cache, reader, desc)));
    listed.push({ name, desc, ref, facts });
  }
  for (const { name, desc, ref, facts: pending } of listed) {
    const { facts: summary, broken: problem } = await pending;
    if (problem) broken.set(desc.digest, problem.short);
    rows.push({
      ...(ref ? { ref } : {}),
      name: ref ? (name as string) : null,
      repository: ref ? formatRepository(ref) : null,
      tag: ref?.tag ?? null,
      digest: desc.digest,
      indexDigest: desc.annotations?.[Annotation.sourceIndex] ?? null,
      mediaType: desc.mediaType,
      size: summary?.size ?? 0,
      created: summary?.created ?? null,
      platforms: summary?.platforms ?? [],
      ...(problem ? { broken: problem.full } : {}),
    });
  }
  await reader.close(filter ? undefined : new Set(entries.map((e) => e.descriptor.digest)));
  // Named images by repository and tag, then the unnamed ones, as docker lists <none> last among equals.
  // One collator: String#localeCompare's order, without building one per comparison.
  const compare = new Intl.Collator().compare;
  rows.sort(
    (a, b) =>
      Number(!a.ref) - Number(!b.ref) || compare(a.repository ?? '', b.repository ?? '') || compare(a.tag ?? '', b.tag ?? '') || compare(a.digest, b.digest),
  );
  const result = rows.map(({ ref: _ref, ...row }) => row);
  if (wanted && rows.length === 0 && !options.json && !options.quiet && !format) {
    // Not an error (docker exits 0 too, and scripts test `images -q REPO` for emptiness), but no
    // bare table header either: say so, and where the registry's tags are.
    const short = familiarRepository(wanted);
    io.err(`no images of ${filter} in the cache: regctl pull ${short} fetches one, regctl tags ${short} lists the registry's tags`);
    return result;
  }
  if (broken.size > 0) {
    io.err(
      `WARNING: ${broken.size} cached image(s) damaged (marked broken); "regctl check" tells what is wrong, "regctl pull NAME" fetches a registry image again`,
    );
  }
  const sizeOf = (r: ImageRow): string => {
    const problem = broken.get(r.digest);
    return problem ? `<broken: ${problem}>` : humanSize(r.size);
  };
  if (format) {
    printRows(
      format,
      result.map((r) => ({ ...imageFormatRow(r), Size: sizeOf(r) })),
      io,
    );
  } else if (options.json) {
    io.out(JSON.stringify(result, null, 2));
  } else if (options.quiet) {
    for (const id of new Set(rows.map((r) => shortId(r.digest)))) io.out(id);
  } else {
    // DIGEST is what pull printed, so pinning it keeps every platform; PLATFORM DIGEST is what was stored from it.
    const header = ['REPOSITORY', 'TAG', ...(options.digests ? ['DIGEST', 'PLATFORM DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
    const lines = table(
      header,
      rows.map((r) => [
        r.ref ? familiarRepository(r.ref) : '<none>',
        r.tag ?? '<none>',
        ...(options.digests ? [r.indexDigest ?? r.digest, r.indexDigest ? r.digest : '-'] : []),
        shortId(r.digest),
        timeAgo(r.created ?? undefined),
        sizeOf(r),
      ]),
    );
    for (const l of lines) io.out(l);
  }
  return result;
}
