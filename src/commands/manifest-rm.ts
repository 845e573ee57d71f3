import { RegctlError } from '../errors.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';

/** Options of `regctl manifest rm`. */
export interface ManifestRmOptions {
  /** Cached manifest lists, `REPO:TAG`. */
  lists: string[];
  json?: boolean;
}

/** The `--json` document of `manifest rm`. */
export interface ManifestRmResult {
  /** The lists removed from the cache, full names. */
  removed: string[];
}

/**
 * `regctl manifest rm LIST...`, as `docker manifest rm`: forgets cached manifest lists (their blobs
 * stay until prune). Every name is tried; the first failure decides the exit code. An image is not
 * a list (rmi untags it); a `REPO@DIGEST` names no list either, and the error points at `delete`,
 * regclient's `manifest rm`.
 */
export async function manifestRm(session: Session, options: ManifestRmOptions, io: CommandIo): Promise<ManifestRmResult> {
  const cache = await session.cache();
  const removed: string[] = [];
  let first: RegctlError | undefined;
  for (const input of options.lists) {
    try {
      const ref = parseReference(input);
      if (ref.digest) {
        throw new RegctlError(
          'usage',
          `${input} names a digest, not a manifest list; to delete a manifest in its registry: regctl delete ${formatRepository(ref)}@${ref.digest}`,
        );
      }
      const name = `${formatRepository(ref)}:${ref.tag ?? 'latest'}`;
      const desc = await cache.named(name);
      if (!desc) throw new RegctlError('not-found', `no such manifest list: ${name}`, { subject: name });
      if (!isIndexMediaType(desc.mediaType)) throw new RegctlError('failed', `${name} is an image, not a manifest list: regctl rmi ${name} untags it`);
      await cache.untag(name);
      removed.push(name);
    } catch (err) {
      if (!(err instanceof RegctlError)) throw err;
      io.err(`Error: ${err.message}`);
      first ??= err;
    }
  }
  if (options.json) io.out(JSON.stringify({ removed }, null, 2));
  if (first) {
    first.reported = true;
    throw first;
  }
  return { removed };
}
