import { RegctlError } from '../errors.js';
import type { Session } from '../session.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { resolveLocal } from './resolve-local.js';
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
  const store = await session.cache();
  const desc = (await resolveLocal(store, options.source)).descriptor;
  await store.tag(desc, formatReference(target));
}
