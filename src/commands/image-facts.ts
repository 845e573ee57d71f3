import { summarizeImage } from '../content/image-summary.js';
import { createLimiter } from '../content/limit.js';
import type { LayoutStore } from '../layout/layout-store.js';
import { ListingMemo } from '../layout/listing-memo.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isManifestMediaType } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';

/** What `regctl images` shows of a cached image besides its name. */
export interface ImageFacts {
  /** Compressed size of everything the image needs (shared blobs once), plus an index's manifests. */
  size: number;
  created?: string;
  /** os/arch[/variant] of each image present (one for a single image, the children of an index). */
  platforms: string[];
}

/** Summaries read at once: enough to keep the disk and the thread pool busy. */
const SUMMARY_READS = 32;

/**
 * Reads the facts of the cache's images for a listing: each digest once, in parallel, and from
 * the listing memo (layout/listing-memo.ts) for image manifests read before, so a thousand
 * images cost a directory read, not two thousand file reads. Call {@link ImageFactsReader.close}
 * when done, to keep what was learnt.
 */
export class ImageFactsReader {
  private readonly store: LayoutStore;
  private readonly memo: ListingMemo;
  private readonly facts = new Map<string, Promise<ImageFacts>>();
  private readonly limit = createLimiter(SUMMARY_READS);

  private constructor(store: LayoutStore, memo: ListingMemo) {
    this.store = store;
    this.memo = memo;
  }

  /** A reader over the layout `store` (the cache). */
  static async open(store: LayoutStore): Promise<ImageFactsReader> {
    return new ImageFactsReader(store, await ListingMemo.open(store.dir));
  }

  /**
   * The facts of the manifest `desc` (started at once, shared by every name of the image). The
   * promise may reject (a missing or damaged blob) and is never left unhandled while it waits.
   */
  of(desc: Descriptor): Promise<ImageFacts> {
    let facts = this.facts.get(desc.digest);
    if (!facts) {
      facts = this.read(desc);
      facts.catch(() => undefined);
      this.facts.set(desc.digest, facts);
    }
    return facts;
  }

  private async read(desc: Descriptor): Promise<ImageFacts> {
    const known = isManifestMediaType(desc.mediaType) ? this.memo.lookup(desc.digest) : undefined;
    if (known) {
      return { size: known.size, ...(known.created ? { created: known.created } : {}), platforms: [formatPlatform(desc.platform ?? known.platform)] };
    }
    const summary = await this.limit(() => summarizeImage(this.store, desc, (child) => this.store.exists(child)));
    const image = summary.images[0];
    if (!summary.index && image) {
      const { os, architecture, variant } = image.config;
      this.memo.record(desc.digest, {
        size: image.size,
        config: image.manifest.config.digest,
        ...(image.config.created ? { created: image.config.created } : {}),
        ...(os && architecture ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
      });
    }
    return { size: summary.size, ...(summary.created ? { created: summary.created } : {}), platforms: summary.images.map((i) => formatPlatform(i.platform)) };
  }

  /** Keeps what was learnt; `listed` (every manifest the cache names) lets it forget the others. */
  close(listed?: ReadonlySet<string>): Promise<void> {
    return this.memo.save(listed);
  }
}
