import { RegctlError } from '../errors.js';
import type { Session } from '../session.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { CommandIo } from './io.js';

/** Options of `regctl tag`. */
export interface TagOptions {
  source: string;
  target: string;
}

/** Gives a cached image a new name; the cache only, like `docker tag`. */
export async function tag(session: Session, options: TagOptions, _io: CommandIo): Promise<void> {
  const target = parseReference(options.target);
  if (target.digest) throw new RegctlError('usage', `invalid reference "${options.target}": refusing to create a tag with a digest reference`);
  const cache = await session.cache();
  const desc = (await cache.find(options.source)).descriptor;
  await cache.tag(desc, formatReference(target));
}
