import { RegctlError } from '../errors.js';
import { isIndexMediaType } from '../oci/media-types.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';
import { listName } from './manifest-create.js';
import { push, type PushOptions, type PushResult } from './push.js';

/** Options of `regctl manifest push`. */
export interface ManifestPushOptions extends Omit<PushOptions, 'reference'> {
  /** The cached list, `REPO:TAG`. */
  list: string;
  /** Remove the list from the cache once pushed (docker's `--purge`); default false. */
  purge?: boolean;
}

/**
 * `regctl manifest push LIST`, as `docker manifest push`: pushes a cached manifest list — each
 * image's blobs (mounted, or streamed from the registry `manifest create` read them from when the
 * cache lacks them), the images, then the index — and prints the index digest.
 */
export async function manifestPush(session: Session, options: ManifestPushOptions, io: CommandIo): Promise<PushResult> {
  const name = listName(options.list);
  const cache = await session.cache();
  const desc = await cache.named(name);
  if (!desc) throw new RegctlError('not-found', `no such manifest list: ${name}`, { subject: name });
  if (!isIndexMediaType(desc.mediaType)) throw new RegctlError('usage', `${name} is an image, not a manifest list: regctl push ${name} pushes it`);
  const { purge: _purge, list: _list, ...pushOptions } = options;
  // push prints docker push's line; docker manifest push prints the digest alone.
  const result = await push(session, { ...pushOptions, reference: name, json: false }, { ...io, out: () => undefined });
  if (options.purge) await cache.untag(name);
  io.out(options.json ? JSON.stringify(result, null, 2) : result.digest);
  return result;
}
