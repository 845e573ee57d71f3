import { RegctlError } from '../errors.js';
import type { LayoutStore } from '../layout/layout-store.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { formatReference, parseReference } from '../ref/reference.js';

/** A cached image found by name, digest or short ID. */
export interface LocalImage {
  /** The full normalized name it was found under, or undefined when found by digest/ID. */
  name?: string;
  /** The image's descriptor without its name annotations (other annotations kept). */
  descriptor: Descriptor;
}

/**
 * Finds an image in the cache the ways docker does: by reference (normalized), by full digest,
 * or by an image-ID prefix of at least 12 hex digits. Not found is exit 3.
 */
export async function resolveLocal(store: LayoutStore, input: string): Promise<LocalImage> {
  const list = await store.list();
  const bare = input.startsWith('sha256:') ? input : /^[a-f0-9]{12,64}$/.test(input) ? `sha256:${input}` : undefined;
  if (bare) {
    const byId = list.filter((d) => d.digest.startsWith(bare));
    if (byId.length > 0 && byId[0]) return { descriptor: stripNames(byId[0]) };
    if (isDigest(bare)) throw new RegctlError('not-found', `no such image: ${input}`);
  }
  const ref = parseReference(input);
  const name = formatReference(ref);
  const found = list.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === name);
  if (!found) throw new RegctlError('not-found', `no such image: ${name}`);
  return { name, descriptor: stripNames(found) };
}

function stripNames(desc: Descriptor): Descriptor {
  const annotations = { ...(desc.annotations ?? {}) };
  delete annotations['org.opencontainers.image.ref.name'];
  delete annotations['io.containerd.image.name'];
  const copy: Descriptor = { ...desc };
  if (Object.keys(annotations).length) copy.annotations = annotations;
  else delete copy.annotations;
  return copy;
}
