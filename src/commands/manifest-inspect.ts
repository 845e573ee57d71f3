import { readStream } from '../content/read-all.js';
import { RegctlError } from '../errors.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';
import { namingErrors } from './name-errors.js';

/** Options of `regctl manifest inspect`. */
export interface ManifestInspectOptions {
  /** A cached list or image, else a registry reference. */
  reference: string;
}

/**
 * `regctl manifest inspect REF`, as `docker manifest inspect`: the manifest list (or manifest) as
 * indented JSON — the cached one when the cache names REF, else the registry's.
 */
export async function manifestInspect(session: Session, options: ManifestInspectOptions, io: CommandIo): Promise<unknown> {
  const ref = parseReference(options.reference);
  const name = formatReference(ref);
  const cache = await session.cache();
  const local = ref.digest ? undefined : await cache.named(name);
  const bytes = await namingErrors(name, async () => {
    if (local) return readStream(await cache.store.fetch(local), MAX_MANIFEST_BYTES, `manifest ${name}`);
    const source = session.source(ref);
    const desc = await source.resolve(ref.digest ?? ref.tag ?? 'latest');
    return readStream(await source.fetch(desc), MAX_MANIFEST_BYTES, `manifest ${name}`);
  });
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegctlError('failed', `manifest ${name} is not valid JSON`);
  }
  // docker manifest inspect indents with three spaces.
  io.out(JSON.stringify(doc, null, 3));
  return doc;
}
