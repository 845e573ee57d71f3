import { RegctlError } from '../errors.js';
import { updateIndex } from '../layout/index-file.js';
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
  const found = await resolveLocal(store, options.source);
  const desc = { ...found.descriptor };
  if (desc.annotations) {
    const rest = { ...desc.annotations };
    delete rest['org.opencontainers.image.ref.name'];
    delete rest['io.containerd.image.name'];
    desc.annotations = rest;
  }
  await store.tag(desc, formatReference(target));
  // A dangling entry (loaded without a name) is superseded once the image has a name, as in docker.
  await updateIndex(store.dir, (index) => {
    index.manifests = index.manifests.filter((d) => d.digest !== desc.digest || d.annotations?.['org.opencontainers.image.ref.name'] !== undefined);
  });
}
