import type { ReferrerIndexer, ReferrerLister } from '../content/referrers.js';
import type { ReferrerSink, ReferrerSource } from '../content/referrers-copy.js';
import type { Target } from '../content/types.js';
import { RegctlError } from '../errors.js';
import { BARE_TAGS, LayoutReferrers, type LayoutTagNames } from '../layout/layout-referrers.js';
import { LayoutStore } from '../layout/layout-store.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MirroredRepository } from '../registry/mirrored.js';
import { RegistryReferrers } from '../registry/registry-referrers.js';
import { RegistryRepository } from '../registry/repository.js';

/** Names in the cache, which holds every repository: `REPO:sha256-<hex>`, a full name like any other. */
export function cacheTagNames(repository: string): LayoutTagNames {
  return { refName: (tag) => `${repository}:${tag}`, imageName: (tag) => `${repository}:${tag}` };
}

/**
 * The referrers of a Target: a registry repository's (API, else fallback tag; a mirrored source
 * reads from the candidate that answered), or a layout's (fallback tag, named by `names`).
 */
export function referrersOf(target: Target, names: LayoutTagNames = BARE_TAGS): ReferrerLister & ReferrerIndexer {
  if (target instanceof RegistryRepository) return new RegistryReferrers(target);
  if (target instanceof MirroredRepository) return new RegistryReferrers(target.active);
  if (target instanceof LayoutStore) return new LayoutReferrers(target, names);
  throw new RegctlError('internal', 'referrers are not available for this kind of target');
}

/** The source end of a referrers copy. */
export function referrerSource(target: Target): ReferrerSource {
  return { target, lister: referrersOf(target) };
}

/** The destination end of a referrers copy; digest tags are named by `names` in a layout. */
export function referrerSink(target: Target, names: LayoutTagNames = BARE_TAGS): ReferrerSink {
  const tag = (desc: Descriptor, name: string): Promise<void> =>
    target instanceof LayoutStore ? target.tag(desc, names.refName(name), { imageName: names.imageName(name) }) : target.tag(desc, name);
  return { target, indexer: referrersOf(target, names), tag };
}
