import { copy, type PlatformSelection } from '../content/copy.js';
import { RegctlError } from '../errors.js';
import { BlobSources } from '../layout/blob-sources.js';
import { acquireLease } from '../layout/lease.js';
import { ForeignLayerFetcher } from '../registry/foreign-layers.js';
import { hostPlatform, parsePlatform } from '../oci/platform.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import type { CommandIo } from './io.js';

/** Options of `regctl pull`. */
export interface PullOptions {
  reference: string;
  /** os/arch[/variant]; default the host's. */
  platform?: string;
  /** Store the whole index and every platform. */
  allPlatforms?: boolean;
  /** Print only the reference. */
  quiet?: boolean;
}

/** What pull did. */
export interface PullResult {
  name: string;
  /** The digest the registry serves for the reference (the index digest for a multi-platform image). */
  digest: string;
  /** The digest now named in the cache (the platform's manifest, or the index with --all-platforms). */
  stored: string;
  upToDate: boolean;
  blobsFetched: number;
  bytes: number;
}

/** Fetches an image into the cache, like `docker pull`: copy(registry → cache), choosing a platform. */
export async function pull(session: Session, options: PullOptions, io: CommandIo): Promise<PullResult> {
  const ref = parseReference(options.reference);
  if (options.platform && options.allPlatforms) throw new RegctlError('usage', '--platform and --all-platforms cannot be used together');
  const platforms: PlatformSelection = options.allPlatforms ? { mode: 'all' } : { mode: 'one', platform: options.platform ? parsePlatform(options.platform) : hostPlatform() };
  const name = formatReference(ref);
  const store = await session.cache();
  const before = (await store.list()).find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === name);
  if (!options.quiet) io.status(`${ref.digest ?? ref.tag}: Pulling from ${ref.registry}/${ref.repository}`);
  const source = session.source(ref);
  // The lease keeps a concurrent prune away from blobs this pull writes before it tags them.
  const release = await acquireLease(store.dir);
  let result;
  try {
    result = await namingErrors(name, () => copy(source, ref.digest ?? ref.tag ?? 'latest', store, name, {
      platforms,
      concurrency: session.concurrency,
      ...(io.progress ? { listener: io.progress } : {}),
      // Remembered so a later push to another repository of this registry can mount instead of upload.
      onPresent: BlobSources.recorder(store.dir, `${ref.registry}/${ref.repository}`),
      // Foreign layers (Windows base layers) come from their own urls, as docker pulls them.
      foreignLayers: new ForeignLayerFetcher(session.transport()),
    }));
  } finally {
    await release();
  }
  const upToDate = result.copied === 0 && before?.digest === result.descriptor.digest;
  if (options.quiet) {
    io.out(name);
  } else {
    io.out(`Digest: ${result.source.digest}`);
    io.out(upToDate ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}`);
    io.out(name);
  }
  return { name, digest: result.source.digest, stored: result.descriptor.digest, upToDate, blobsFetched: result.copied, bytes: result.bytes };
}
