import { RegctlError } from '../errors.js';
import { fetchAll } from '../content/read-all.js';
import {
  filterReferrers,
  mergeReferrers,
  parseReferrersIndex,
  type ReferrerIndexer,
  type ReferrerLister,
  type ReferrerListing,
  type ReferrersSource,
} from '../content/referrers.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import type { ImageIndex } from '../oci/manifest.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { referrerEntry, referrersTag } from '../oci/referrer-entry.js';
import { updateIndex } from './index-file.js';
import type { LayoutStore } from './layout-store.js';

/** How the fallback tag of a layout is named in its index.json. */
export interface LayoutTagNames {
  /** `org.opencontainers.image.ref.name` for a tag: the tag itself in an `oci:DIR`, `REPO:tag` in the cache. */
  refName(tag: string): string;
  /** `io.containerd.image.name` for a tag, or null for none (a bare tag is no image name). */
  imageName(tag: string): string | null;
}

/** Names of an `oci:DIR` (as oras and skopeo write them): the bare tag, no containerd name. */
export const BARE_TAGS: LayoutTagNames = { refName: (tag) => tag, imageName: () => null };

/**
 * Referrers in an OCI image layout, which has no API: the `sha256-<hex>` fallback index named in
 * index.json (distribution-spec "Referrers Tag Schema", as oras uses it for layouts), plus, when
 * listing, untagged index.json entries whose `subject` is the manifest (as oras-go's layout store
 * records what it pushes). The fallback index is updated under the layout's index lock, so two
 * processes adding referrers to one subject never lose each other's.
 */
export class LayoutReferrers implements ReferrerLister, ReferrerIndexer {
  constructor(
    readonly store: LayoutStore,
    private readonly names: LayoutTagNames = BARE_TAGS,
  ) {}

  /** The referrers of `subject` listed by its fallback index and by untagged entries. */
  async referrers(subject: Descriptor, artifactType?: string): Promise<ReferrerListing> {
    const name = this.names.refName(referrersTag(subject.digest));
    const entries = await this.store.list();
    const found = new Map<string, Descriptor>();
    const named = entries.filter((d) => d.annotations?.[Annotation.refName] === name).pop();
    if (named) for (const d of (await this.readFallback(named, true))?.manifests ?? []) found.set(d.digest, d);
    for (const entry of entries) {
      if (entry.annotations?.[Annotation.refName] !== undefined || found.has(entry.digest)) continue;
      if (!isManifestMediaType(entry.mediaType) && !isIndexMediaType(entry.mediaType)) continue;
      try {
        const ref = referrerEntry(entry, await fetchAll(this.store, entry));
        if (ref.subject?.digest === subject.digest) found.set(entry.digest, ref.descriptor);
      } catch {
        // An unreadable untagged entry refers to nothing we can show.
      }
    }
    return { descriptors: filterReferrers([...found.values()], artifactType), via: 'tag' };
  }

  /** Merges `referrers` into the fallback index of `subject`, under the index lock. */
  async indexReferrers(subject: Descriptor, referrers: Descriptor[]): Promise<ReferrersSource> {
    const tag = referrersTag(subject.digest);
    const name = this.names.refName(tag);
    const imageName = this.names.imageName(tag);
    await updateIndex(this.store.dir, async (index) => {
      const at = index.manifests.findLastIndex((d) => d.annotations?.[Annotation.refName] === name);
      const current = at < 0 ? undefined : await this.readFallback(index.manifests[at] as Descriptor, false);
      const { index: merged, changed } = mergeReferrers(current, referrers);
      if (!changed) return;
      await this.store.pushBytes(merged.descriptor, merged.bytes);
      const annotations: Record<string, string> = { [Annotation.refName]: name };
      if (imageName !== null) annotations[Annotation.containerdName] = imageName;
      const entry: Descriptor = { ...merged.descriptor, annotations };
      index.manifests = index.manifests.filter(
        (d) => d.annotations?.[Annotation.refName] !== name && (imageName === null || d.annotations?.[Annotation.containerdName] !== imageName),
      );
      index.manifests.splice(at < 0 ? index.manifests.length : Math.min(at, index.manifests.length), 0, entry);
    });
    return 'tag';
  }

  /** The fallback index an entry names; with `lenient`, anything unreadable is no referrers. */
  private async readFallback(entry: Descriptor, lenient: boolean): Promise<ImageIndex | undefined> {
    const what = `referrers index ${entry.annotations?.[Annotation.refName] ?? entry.digest} in OCI layout ${this.store.dir}`;
    try {
      if (!isIndexMediaType(entry.mediaType)) throw new RegctlError('failed', `${what} is a ${entry.mediaType}, not an image index of referrers`);
      return parseReferrersIndex(await fetchAll(this.store, entry, undefined, what), what);
    } catch (err) {
      if (lenient) return undefined;
      throw err;
    }
  }
}
