import { copy, type CopyResult, type PlatformSelection } from '../content/copy.js';
import { IncompleteImageError } from '../layout/image-check.js';
import type { LayoutStore } from '../layout/layout-store.js';
import { RegctlError } from '../errors.js';
import { Annotation } from '../oci/descriptor.js';
import { ForeignLayerFetcher } from '../registry/foreign-layers.js';
import { formatPlatform, hostPlatform, parsePlatform } from '../oci/platform.js';
import { formatReference, formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import type { CommandIo } from './io.js';
import { bringReferrers, type ReferrerFlags } from './copy-referrers.js';
import { cacheTagNames, referrerSink, referrerSource } from './referrer-ends.js';

/** Options of `regctl pull`. */
export interface PullOptions extends ReferrerFlags {
  reference: string;
  /**
   * os/arch[/variant]; default the host's. Several (comma-separated, or several entries) store an
   * index of just those platforms under the name, as `copy --platform` writes one.
   */
  platform?: string | string[];
  /** Store the whole index and every platform. */
  allPlatforms?: boolean;
  /** Print only the reference. */
  quiet?: boolean;
  /** Print the result as one JSON document ({@link PullResult}). */
  json?: boolean;
}

/** What pull did (also the `--json` document). */
export interface PullResult {
  name: string;
  /** The digest the registry serves for the reference (the index digest for a multi-platform image). */
  digest: string;
  /** The digest now named in the cache (the platform's manifest, or the index with --all-platforms). */
  stored: string;
  upToDate: boolean;
  blobsFetched: number;
  bytes: number;
  /** Referrers and digest tags stored with it (`--referrers`, `--digest-tags`). */
  referrers: number;
}

/** Fetches an image into the cache, like `docker pull`: copy(registry → cache), choosing a platform. */
export async function pull(session: Session, options: PullOptions, io: CommandIo): Promise<PullResult> {
  const ref = parseReference(options.reference);
  const wanted = [options.platform ?? []]
    .flat()
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean)
    .map(parsePlatform);
  if (wanted.length > 0 && options.allPlatforms) throw new RegctlError('usage', '--platform and --all-platforms cannot be used together');
  const platforms: PlatformSelection = options.allPlatforms
    ? { mode: 'all' }
    : wanted.length > 1
      ? { mode: 'subset', platforms: wanted }
      : { mode: 'one', platform: wanted[0] ?? hostPlatform() };
  const name = formatReference(ref);
  const cache = await session.cache();
  const before = await cache.named(name);
  const quiet = !!(options.quiet || options.json);
  if (!quiet) io.status(`${ref.digest ?? ref.tag}: Pulling from ${ref.registry}/${ref.repository}`);
  const source = await session.open({ kind: 'registry', ref });
  const subset = platforms.mode === 'subset';
  let referrers = 0;
  const result = await cache.withLease((store) => pullOnce(store, true));
  async function pullOnce(store: LayoutStore, mayRetry: boolean): Promise<CopyResult> {
    try {
      return await pullInto(store);
    } catch (err) {
      if (!(mayRetry && err instanceof IncompleteImageError)) throw err;
      // Something (a prune that read the leases just before this pull held the blob, another tool)
      // removed a blob after the pull found it: everything is held now, so one more pass fetches it.
      io.err(`${name}: ${err.problems.length} blob(s) went missing from the cache while pulling (a concurrent prune?); fetching them again`);
      return pullOnce(store, false);
    }
  }
  async function pullInto(store: LayoutStore): Promise<CopyResult> {
    const transfer = {
      concurrency: session.concurrency,
      ...(io.progress ? { listener: io.progress } : {}),
      // Remembered so a later push to another repository of this registry can mount instead of upload.
      onPresent: cache.recordSources(formatRepository(ref)),
      // Foreign layers (Windows base layers) come from their own urls, as docker pulls them.
      foreignLayers: new ForeignLayerFetcher(session.transport()),
    };
    const copied = await namingErrors(name, () =>
      copy(source, ref.digest ?? ref.tag ?? 'latest', store, subset ? undefined : name, { platforms, ...transfer }),
    );
    // A filtered index records the registry's index it came from, as a single-platform pull does.
    if (subset) {
      const { descriptor, filtered } = copied;
      await store.tag(
        filtered ? { ...descriptor, annotations: { ...descriptor.annotations, [Annotation.sourceIndex]: copied.source.digest } } : descriptor,
        name,
      );
    }
    // Referrers live in the cache under REPO:sha256-<hex> fallback tags, which also keep them from prune.
    const names = cacheTagNames(formatRepository(ref));
    referrers = (await namingErrors(name, () => bringReferrers(referrerSource(source), referrerSink(store, names), copied, options, transfer, io, quiet)))
      .length;
    return copied;
  }
  const upToDate = result.copied === 0 && before?.digest === result.descriptor.digest;
  if (result.filtered && !quiet) {
    io.status(
      `Stored an index of ${wanted.map(formatPlatform).join(', ')} as ${name}: ${result.descriptor.digest} (a new digest; the registry's index is ${result.source.digest})`,
    );
  }
  const out: PullResult = {
    name,
    digest: result.source.digest,
    stored: result.descriptor.digest,
    upToDate,
    blobsFetched: result.copied,
    bytes: result.bytes,
    referrers,
  };
  if (options.json) {
    io.out(JSON.stringify(out, null, 2));
  } else if (options.quiet) {
    io.out(name);
  } else {
    io.out(`Digest: ${result.source.digest}`);
    io.out(upToDate ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}`);
    io.out(name);
  }
  return out;
}
