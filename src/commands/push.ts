import { copyDescriptor } from '../content/copy.js';
import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { formatReference, formatRepository, parseReference, type Reference } from '../ref/reference.js';
import type { Cache } from '../layout/cache.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import type { CommandIo } from './io.js';
import { cacheReadThrough } from './cache-read-through.js';

/** Options of `regctl push`. */
export interface PushOptions {
  /** A cached image name (`host/repo:tag`), or `host/repo@sha256:…` for an untagged push of a cached manifest. */
  reference: string;
  /** Print only `REPO@sha256:…`. */
  quiet?: boolean;
  /** Print the result as one JSON document ({@link PushResult}). */
  json?: boolean;
  /** Blobs larger than this many bytes are uploaded in chunks; default: never (one streamed PUT each). */
  chunkedAbove?: number;
  /** Bytes per chunk; default 16 MiB (raised to the registry's `OCI-Chunk-Min-Length`). */
  chunkSize?: number;
}

/** What push did (also the `--json` document). */
export interface PushResult {
  /** The full normalized reference pushed. */
  name: string;
  /** Manifest (or index) digest and size in the registry: the cached bytes, unchanged. */
  digest: string;
  size: number;
  pushed: number;
  skipped: number;
  mounted: number;
  bytes: number;
}

/** Mount sources tried per blob, most recent first: more rarely helps and each refusal costs a round trip. */
const MAX_MOUNT_TRIES = 3;

/**
 * Uploads a cached image to its registry, like `docker push`: copy(cache → registry). Each blob is
 * HEADed first; a blob the cache knows from another repository of the same registry is mounted;
 * the rest is uploaded. Manifests go last, byte for byte, so the digest is the cached one.
 */
export async function push(session: Session, options: PushOptions, io: CommandIo): Promise<PushResult> {
  const ref = parseReference(options.reference);
  const cache = await session.cache();
  const root = await findCached(cache, ref, options.reference);
  const here = formatRepository(ref);
  // Layers `manifest create` left in their registry are streamed from there (or mounted, below).
  const source = cacheReadThrough(cache, session);
  if (!options.quiet && !options.json) io.status(`The push refers to repository [${here}]`);
  const repo = await session.open(
    { kind: 'registry', ref },
    {
      write: true,
      uploads: {
        ...(options.chunkedAbove !== undefined ? { chunkedAbove: options.chunkedAbove } : {}),
        ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        reopen: (desc) => source.fetch(desc),
      },
    },
  );
  const result = await namingErrors(formatReference(ref), () =>
    copyDescriptor(source, root, repo, ref.digest ? undefined : ref.tag, {
      concurrency: session.concurrency,
      ...(io.progress ? { listener: io.progress } : {}),
      mountCandidates: async (desc) => {
        const prefix = `${ref.registry}/`;
        return (await cache.blobSources(desc.digest))
          .filter((r) => r.startsWith(prefix) && r !== here)
          .map((r) => r.slice(prefix.length))
          .slice(0, MAX_MOUNT_TRIES);
      },
      onPresent: cache.recordSources(here),
    }),
  );
  const { digest, size } = result.descriptor;
  if (ref.digest && digest !== ref.digest) {
    throw new RegctlError('internal', `pushed ${digest} for ${formatReference(ref)}: the cached manifest does not match its digest`);
  }
  const out: PushResult = {
    name: formatReference(ref),
    digest,
    size,
    pushed: result.copied,
    skipped: result.skipped,
    mounted: result.mounted,
    bytes: result.bytes,
  };
  if (options.json) io.out(JSON.stringify(out, null, 2));
  else if (options.quiet) io.out(`${here}@${digest}`);
  else io.out(`${ref.digest ? '' : `${ref.tag}: `}digest: ${digest} size: ${size}`);
  return out;
}

/** The cached manifest to push: by name, or by digest for `repo@sha256:…`. */
async function findCached(cache: Cache, ref: Reference, input: string): Promise<Descriptor> {
  if (!ref.digest) return (await cache.find(input)).descriptor;
  try {
    return await cache.store.resolve(ref.digest);
  } catch (err) {
    if (err instanceof RegctlError && err.kind === 'not-found')
      throw new RegctlError('not-found', `no such image: ${formatReference(ref)} (not in the cache; pull it or tag a cached image first)`);
    throw err;
  }
}
