import { RegctlError } from '../errors.js';
import type { Session } from '../session.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { CommandIo } from './io.js';

/** Options of `regctl tag`. */
export interface TagOptions {
  source: string;
  target: string;
  /** Print the result as one JSON document ({@link TagResult}). */
  json?: boolean;
}

/** What tag did (the `--json` document). */
export interface TagResult {
  /** The cached image's full name, or the digest or ID it was found by. */
  source: string;
  /** The new name, full. */
  target: string;
  /** The manifest (or index) both names point at. */
  digest: string;
}

/** Gives a cached image a new name; the cache only, like `docker tag`. */
export async function tag(session: Session, options: TagOptions, io: CommandIo): Promise<TagResult> {
  const target = parseReference(options.target);
  if (target.digest) throw new RegctlError('usage', `invalid reference "${options.target}": refusing to create a tag with a digest reference`);
  const cache = await session.cache();
  const found = await cache.find(options.source);
  const result: TagResult = { source: found.name ?? options.source, target: formatReference(target), digest: found.descriptor.digest };
  await cache.tag(found.descriptor, result.target);
  if (options.json) io.out(JSON.stringify(result, null, 2));
  return result;
}
