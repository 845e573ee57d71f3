import { readStream } from '../content/read-all.js';
import { RegctlError } from '../errors.js';
import type { Cache } from '../layout/cache.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MAX_MANIFEST_BYTES, parseManifest, type ImageIndex } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatReference, formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { parseAnnotations } from './attach.js';
import type { CommandIo } from './io.js';
import { buildIndex, entryReports, listEntries, type ListEntry, type ListEntryReport } from './manifest-entries.js';
import { namingErrors } from './name-errors.js';

/** Options of `regctl manifest create` (in the cache; see manifest-create-push.ts for `--push`). */
export interface ManifestCreateOptions {
  /** The list's name, `REPO:TAG`. */
  list: string;
  /** The images to list: cached names, digests or IDs, else registry references. */
  sources: string[];
  /** Add to an existing LIST instead of refusing; default false. */
  amend?: boolean;
  /** Take every entry of a SRC that is an index; default false (such a SRC is refused). */
  all?: boolean;
  /** `K=V` annotations on the index. */
  annotations?: string[];
  json?: boolean;
  quiet?: boolean;
}

/** What `manifest create` made (the `--json` document). */
export interface ManifestListResult {
  /** The list's full name. */
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  /** True when an existing list was added to (`--amend`). */
  amended: boolean;
  /** Every entry of the list, in order; `source` is the SRC of this run that added it, else null. */
  manifests: ListEntryReport[];
}

/** The name a manifest list is given: a tag, never a digest (a digest names content, not a list to edit). */
export function listName(input: string): string {
  const ref = parseReference(input);
  if (ref.digest) throw new RegctlError('usage', `invalid manifest list name "${input}": name it by a tag, e.g. ${formatRepository(ref)}:v1`);
  return formatReference(ref);
}

/** The cached manifest list named `name`, parsed; undefined when the name is free. An image under the name is an error. */
export async function cachedList(cache: Cache, name: string): Promise<{ descriptor: Descriptor; index: ImageIndex } | undefined> {
  const desc = await cache.named(name);
  if (!desc) return undefined;
  if (!isIndexMediaType(desc.mediaType)) {
    throw new RegctlError('failed', `${name} is a cached image, not a manifest list: regctl rmi ${name} first, or choose another name`, { subject: name });
  }
  const bytes = await readStream(await cache.store.fetch(desc), MAX_MANIFEST_BYTES, `manifest list ${name}`);
  const parsed = parseManifest(bytes, desc.mediaType, `manifest list ${name}`);
  if (parsed.kind !== 'index') throw new RegctlError('failed', `${name} is not a manifest list`);
  return { descriptor: desc, index: parsed.index };
}

/**
 * `regctl manifest create LIST SRC...`, as `docker manifest create`: an OCI image index named LIST
 * in the cache, one entry per SRC with the platform of its config. A SRC found in the cache is used
 * as it is; any other is read from its registry, manifest and config only: its layers stay there,
 * recorded as the blobs' source, until `push` mounts or streams them.
 */
export async function manifestCreate(session: Session, options: ManifestCreateOptions, io: CommandIo): Promise<ManifestListResult> {
  const name = listName(options.list);
  const annotations = parseAnnotations(options.annotations ?? []);
  if (options.sources.length === 0) throw new RegctlError('usage', 'manifest create needs at least one image after the list name');
  const cache = await session.cache();
  const existing = await cachedList(cache, name);
  if (existing && !options.amend) {
    throw new RegctlError('failed', `refusing to amend an existing manifest list with no --amend flag: ${name}`, { subject: name });
  }
  const result = await cache.withLease(async () => {
    const entries: ListEntry[] = [];
    for (const source of options.sources) entries.push(...(await namingErrors(source, () => sourceEntries(session, cache, source, !!options.all))));
    const built = buildIndex(
      existing?.index,
      entries.map((e) => e.descriptor),
      annotations,
    );
    await cache.store.pushBytes(built.descriptor, built.bytes);
    await cache.tag(built.descriptor, name);
    for (const p of built.duplicates) io.err(`WARNING: ${name} lists more than one image for ${p}`);
    const out: ManifestListResult = {
      name,
      digest: built.descriptor.digest,
      mediaType: built.descriptor.mediaType,
      size: built.descriptor.size,
      amended: !!existing,
      manifests: entryReports(built.index, new Map(entries.map((e) => [e.descriptor.digest, e.source]))),
    };
    return out;
  });
  if (options.json) io.out(JSON.stringify(result, null, 2));
  else if (options.quiet) io.out(result.digest);
  else io.out(`Created manifest list ${name}`);
  return result;
}

/** The entries one SRC gives: from the cache when it holds it, else from its registry (manifests and configs stored now). */
async function sourceEntries(session: Session, cache: Cache, source: string, all: boolean): Promise<ListEntry[]> {
  const local = await cache.find(source).catch((err: unknown) => {
    if (err instanceof RegctlError && err.kind === 'not-found') return undefined;
    throw err;
  });
  if (local) return listEntries(cache.store, local.descriptor, local.name ?? source, { all, readConfigs: true });
  const ref = parseReference(source);
  const name = formatReference(ref);
  const remote = session.source(ref);
  const root = await remote.resolve(ref.digest ?? ref.tag ?? 'latest');
  const entries = await listEntries(remote, root, name, { all, readConfigs: true });
  const record = cache.recordSources(formatRepository(ref));
  for (const entry of entries) {
    await cache.store.pushBytes(entry.descriptor, entry.manifest);
    const [config, ...layers] = entry.blobs;
    if (config && entry.config) await cache.store.pushBytes(config, entry.config);
    // Where push will find the layers (and the config, for a mount) that stay in the registry.
    for (const blob of [config, ...layers]) if (blob) await record(blob);
  }
  return entries;
}
