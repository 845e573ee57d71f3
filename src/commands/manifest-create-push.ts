import { Readable } from 'node:stream';
import { copyDescriptor } from '../content/copy.js';
import { fetchAll } from '../content/read-all.js';
import type { Fetcher, Target } from '../content/types.js';
import { RegctlError } from '../errors.js';
import { parseManifest, type ImageIndex } from '../oci/manifest.js';
import { formatReference, parseReference, type Reference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { parseAnnotations } from './attach.js';
import type { CommandIo } from './io.js';
import { listName, type ManifestCreateOptions, type ManifestListResult } from './manifest-create.js';
import { buildIndex, entryReports, listEntries, type ListEntry } from './manifest-entries.js';
import { namingErrors } from './name-errors.js';

/** Options of `regctl manifest create --push`. */
export interface ManifestCreatePushOptions extends ManifestCreateOptions {
  /** Blobs larger than this many bytes are uploaded in chunks; default never. */
  chunkedAbove?: number;
  /** Bytes per chunk; default 16 MiB. */
  chunkSize?: number;
}

/** What `manifest create --push` did (the `--json` document): the list, plus the blobs moved for its images. */
export interface ManifestCreatePushResult extends ManifestListResult {
  blobs: { copied: number; skipped: number; mounted: number };
  bytes: number;
}

/**
 * `regctl manifest create --push LIST SRC...`, as `docker buildx imagetools create`: the list is
 * made in LIST's registry and the cache is never opened. Each SRC's images go into LIST's repository
 * first — mounted within one registry (no blob bytes move), streamed from another — then the index
 * is pushed and tagged. `--amend` adds to the list the registry already has under LIST.
 */
export async function manifestCreatePush(session: Session, options: ManifestCreatePushOptions, io: CommandIo): Promise<ManifestCreatePushResult> {
  const name = listName(options.list);
  const listRef = parseReference(name);
  const annotations = parseAnnotations(options.annotations ?? []);
  if (options.sources.length === 0) throw new RegctlError('usage', 'manifest create needs at least one image after the list name');
  // A blob refused as one upload is read again from the SRC it came from.
  const readers = new Map<string, Fetcher>();
  const dst = await session.open(
    { kind: 'registry', ref: listRef },
    {
      write: true,
      uploads: {
        ...(options.chunkedAbove !== undefined ? { chunkedAbove: options.chunkedAbove } : {}),
        ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        reopen: (desc) => {
          const reader = readers.get(desc.digest);
          if (!reader) throw new RegctlError('internal', `no source to read ${desc.digest} again from`);
          return reader.fetch(desc);
        },
      },
    },
  );
  const base = options.amend ? await namingErrors(name, () => registryList(dst, listRef)) : undefined;
  const stats = { copied: 0, skipped: 0, mounted: 0, bytes: 0 };
  const entries: ListEntry[] = [];
  for (const input of options.sources) {
    const ref = parseReference(input);
    const source = session.source(ref);
    const sourceName = formatReference(ref);
    const sameRegistry = ref.registry === listRef.registry && ref.repository !== listRef.repository;
    await namingErrors(sourceName, async () => {
      const root = await source.resolve(ref.digest ?? ref.tag ?? 'latest');
      for (const entry of await listEntries(source, root, sourceName, { all: !!options.all, readConfigs: false })) {
        for (const blob of entry.blobs) readers.set(blob.digest, source);
        const copied = await copyDescriptor(source, entry.descriptor, dst, undefined, {
          concurrency: session.concurrency,
          ...(io.progress ? { listener: io.progress } : {}),
          ...(sameRegistry ? { mountCandidates: () => [ref.repository] } : {}),
        });
        stats.copied += copied.copied;
        stats.skipped += copied.skipped;
        stats.mounted += copied.mounted;
        stats.bytes += copied.bytes;
        entries.push(entry);
      }
    });
  }
  const built = buildIndex(
    base,
    entries.map((e) => e.descriptor),
    annotations,
  );
  for (const p of built.duplicates) io.err(`WARNING: ${name} lists more than one image for ${p}`);
  await namingErrors(name, async () => {
    await dst.push(built.descriptor, Readable.from([built.bytes]));
    await dst.tag(built.descriptor, listRef.tag ?? 'latest');
  });
  const result: ManifestCreatePushResult = {
    name,
    digest: built.descriptor.digest,
    mediaType: built.descriptor.mediaType,
    size: built.descriptor.size,
    amended: !!base,
    manifests: entryReports(built.index, new Map(entries.map((e) => [e.descriptor.digest, e.source]))),
    blobs: { copied: stats.copied, skipped: stats.skipped, mounted: stats.mounted },
    bytes: stats.bytes,
  };
  if (options.json) io.out(JSON.stringify(result, null, 2));
  else io.out(result.digest);
  return result;
}

/** The list the registry has under LIST's tag, for `--amend`; undefined when there is none. */
async function registryList(dst: Target, ref: Reference): Promise<ImageIndex | undefined> {
  let desc;
  try {
    desc = await dst.resolve(ref.tag ?? 'latest');
  } catch (err) {
    if (err instanceof RegctlError && err.kind === 'not-found') return undefined;
    throw err;
  }
  const parsed = parseManifest(await fetchAll(dst, desc, undefined, `manifest ${desc.digest}`), desc.mediaType, `manifest list ${formatReference(ref)}`);
  if (parsed.kind !== 'index')
    throw new RegctlError('failed', `${formatReference(ref)} is an image in its registry, not a manifest list: --amend cannot add to it`);
  return parsed.index;
}
