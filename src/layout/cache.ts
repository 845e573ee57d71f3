import { RegctlError } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { BlobSources } from './blob-sources.js';
import { prune, type PruneOptions, type PruneResult } from './gc.js';
import { LayoutStore } from './layout-store.js';
import { acquireLease } from './lease.js';
import { checkLayout, type LayoutCheckOptions, type LayoutCheckResult } from './layout-check.js';

/** A cached image found by name, digest or short ID. */
export interface LocalImage {
  /** The full normalized name it was found under, or undefined when found by digest/ID (or it has none). */
  name?: string;
  /** The image's descriptor without its name annotations (other annotations kept). */
  descriptor: Descriptor;
}

/**
 * The local cache (SPEC §2) and the one owner of its policy: names, found the ways docker finds
 * them; the lease that keeps prune away from a transfer's blobs before they are named; the records
 * of where blobs came from, which let a push mount instead of upload; and prune. Commands use the
 * layout underneath only as a Target (to copy into or out of, or to read images from).
 */
export class Cache {
  /** The OCI layout holding the cache: the Target transfers, summaries and archives use. */
  readonly store: LayoutStore;
  private readonly sources: BlobSources;

  private constructor(store: LayoutStore) {
    this.store = store;
    this.sources = new BlobSources(store.dir);
  }

  /** Opens the cache at `dir`, creating the layout when it is missing. */
  static async open(dir: string): Promise<Cache> {
    return new Cache(await LayoutStore.open(dir, { create: true }));
  }

  /**
   * Runs a transfer into the cache holding a lease, through the view of the layout it gives
   * `transfer` (see {@link LayoutStore.leased}): while it runs, a concurrent prune keeps every blob
   * the transfer found present or wrote, and the unreferenced blobs written since it began; a name
   * it gives goes only to an image that is whole.
   */
  async withLease<T>(transfer: (store: LayoutStore) => Promise<T>): Promise<T> {
    const lease = await acquireLease(this.store.dir);
    try {
      return await transfer(this.store.leased(lease));
    } finally {
      await lease.release();
    }
  }

  /**
   * Finds an image the ways docker does: by reference (normalized), by full digest, or by an
   * image-ID prefix of at least 12 hex digits. Not found is exit 3.
   */
  async find(input: string): Promise<LocalImage> {
    const list = await this.store.list();
    const bare = input.startsWith('sha256:') ? input : /^[a-f0-9]{12,64}$/.test(input) ? `sha256:${input}` : undefined;
    if (bare) {
      const byId = list.find((d) => d.digest.startsWith(bare));
      if (byId) return { descriptor: withoutNames(byId) };
      if (isDigest(bare)) throw new RegctlError('not-found', `no such image: ${input}`);
    }
    const name = formatReference(parseReference(input));
    const found = list.find((d) => nameOf(d) === name);
    if (!found) throw new RegctlError('not-found', `no such image: ${name}`, { subject: name });
    return { name, descriptor: withoutNames(found) };
  }

  /** The manifest cached under the full normalized name `name`, or undefined. */
  async named(name: string): Promise<Descriptor | undefined> {
    const found = (await this.store.list()).find((d) => nameOf(d) === name);
    return found && withoutNames(found);
  }

  /** Every cached image in index order: named ones under their name, unnamed ones (docker's `<none>`) without. */
  async images(): Promise<LocalImage[]> {
    return (await this.store.list()).map((d) => {
      const name = nameOf(d);
      return name === undefined ? { descriptor: withoutNames(d) } : { name, descriptor: withoutNames(d) };
    });
  }

  /** The names the manifest `digest` is cached under. */
  async namesOf(digest: string): Promise<string[]> {
    return (await this.store.list())
      .filter((d) => d.digest === digest)
      .map(nameOf)
      .filter((n): n is string => n !== undefined);
  }

  /** Names the cached manifest `desc` `name` (a full normalized reference), moving the name from any other image. */
  tag(desc: Descriptor, name: string): Promise<void> {
    return this.store.tag(desc, name);
  }

  /** Removes a name; resolves with the entry it named, or undefined when there was none. Blobs stay until prune. */
  untag(name: string): Promise<Descriptor | undefined> {
    return this.store.untag(name);
  }

  /** The repositories (`registry/repository`) the blob `digest` was pulled from or pushed to, most recent first. */
  blobSources(digest: string): Promise<string[]> {
    return this.sources.lookup(digest);
  }

  /** A copy `onPresent` hook recording every blob that reaches (or is found at) `repository` (`registry/repository`). */
  recordSources(repository: string): (desc: Descriptor) => Promise<void> {
    return this.sources.recorder(repository);
  }

  /** Re-hashes the cached blobs and finds every image's missing or damaged ones; see {@link checkLayout}. */
  check(options: LayoutCheckOptions = {}): Promise<LayoutCheckResult> {
    return checkLayout(this.store.dir, options);
  }

  /** Removes every blob no image references, and leftovers of interrupted writes; see {@link prune}. */
  prune(options: PruneOptions = {}): Promise<PruneResult> {
    return prune(this.store, options);
  }
}

/** The full name an index entry carries (its ref.name annotation), if any. */
function nameOf(desc: Descriptor): string | undefined {
  return desc.annotations?.[Annotation.refName];
}

function withoutNames(desc: Descriptor): Descriptor {
  const { [Annotation.refName]: _ref, [Annotation.containerdName]: _containerd, ...annotations } = desc.annotations ?? {};
  const copy: Descriptor = { ...desc };
  if (Object.keys(annotations).length) copy.annotations = annotations;
  else delete copy.annotations;
  return copy;
}
