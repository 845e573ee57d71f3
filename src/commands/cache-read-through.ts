import type { Readable } from 'node:stream';
import type { Target } from '../content/types.js';
import { RegctlError } from '../errors.js';
import type { Cache } from '../layout/cache.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Session } from '../session.js';

/**
 * The cache as the source of a push, reading through to the registries it knows a blob from: a blob
 * the cache lacks (the layers of an image `manifest create` listed without pulling) is streamed from
 * a repository its blob-sources record names, never stored on the way. Everything else is the
 * cache's own layout.
 */
export function cacheReadThrough(cache: Cache, session: Session): Target {
  const store = cache.store;
  return {
    resolve: (reference) => store.resolve(reference),
    exists: (desc) => store.exists(desc),
    push: (desc, content) => store.push(desc, content),
    tag: (desc, reference) => store.tag(desc, reference),
    fetch: async (desc) => {
      try {
        return await store.fetch(desc);
      } catch (err) {
        if (!(err instanceof RegctlError && err.kind === 'not-found')) throw err;
        return fetchFromSources(cache, session, desc, err);
      }
    },
  };
}

async function fetchFromSources(cache: Cache, session: Session, desc: Descriptor, missing: RegctlError): Promise<Readable> {
  const repositories = await cache.blobSources(desc.digest);
  let last: unknown = missing;
  for (const repository of repositories) {
    const slash = repository.indexOf('/');
    try {
      return await session.source({ registry: repository.slice(0, slash), repository: repository.slice(slash + 1) }).fetch(desc);
    } catch (err) {
      // A record is a hint: the next repository may still hold the blob.
      if (!(err instanceof RegctlError) || err.kind === 'usage' || err.kind === 'internal') throw err;
      last = err;
    }
  }
  if (repositories.length === 0) {
    throw new RegctlError('not-found', `blob ${desc.digest} is not in the cache, and no registry is known to hold it: pull the image first`, {
      cause: missing,
    });
  }
  throw last;
}
