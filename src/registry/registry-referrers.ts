import { filterReferrers, type ReferrerIndexer, type ReferrerLister, type ReferrerListing, type ReferrersSource } from '../content/referrers.js';
import type { Descriptor } from '../oci/descriptor.js';
import { referrersTag } from '../oci/referrer-entry.js';
import { addToFallbackIndex, readFallbackIndex, removeFromFallbackIndex, type FallbackWriteOptions } from './fallback-index.js';
import { listReferrersApi } from './referrers-api.js';
import type { RegistryRepository } from './repository.js';

/**
 * Referrers of one registry repository (oras-go's and regclient's approach): the OCI 1.1
 * referrers API when the registry has it, else the `sha256-<hex>` fallback tag (distribution-spec
 * "Unavailable Referrers API"). What the registry supports is learnt once per repository and run.
 */
export class RegistryReferrers implements ReferrerLister, ReferrerIndexer {
  /** True, false, or undefined until the API has been asked once. */
  private api: boolean | undefined;

  constructor(
    readonly repo: RegistryRepository,
    private readonly fallback: FallbackWriteOptions = {},
  ) {}

  /** The referrers of `subject`: by the API, else by the fallback tag (absent or not an index: none). */
  async referrers(subject: Descriptor, artifactType?: string): Promise<ReferrerListing> {
    if (this.api !== false) {
      const listed = await listReferrersApi(this.repo.client, this.repo.repository, subject.digest, artifactType);
      this.api = listed !== undefined;
      if (listed) return { descriptors: listed, via: 'api' };
    }
    const read = await readFallbackIndex(this.repo, referrersTag(subject.digest), true);
    return { descriptors: filterReferrers(read?.index.manifests ?? [], artifactType), via: 'tag' };
  }

  /**
   * Nothing to do when the registry acknowledged the subject (`OCI-Subject`) or has the referrers
   * API (it indexes what is pushed); otherwise the fallback index is updated.
   */
  async indexReferrers(subject: Descriptor, referrers: Descriptor[], acknowledged = false): Promise<ReferrersSource> {
    if (acknowledged) {
      this.api = true;
      return 'api';
    }
    if (await this.hasApi(subject)) return 'api';
    await addToFallbackIndex(this.repo, subject, referrers, this.fallback);
    return 'tag';
  }

  /**
   * After a referrer was deleted: a registry with the API forgets it itself; otherwise it is taken
   * out of the subject's fallback index (distribution-spec "Deleting Manifests"), so none dangles.
   */
  async unindexReferrers(subject: Descriptor, digests: string[]): Promise<ReferrersSource> {
    if (await this.hasApi(subject)) return 'api';
    await removeFromFallbackIndex(this.repo, subject, digests, this.fallback);
    return 'tag';
  }

  private async hasApi(subject: Descriptor): Promise<boolean> {
    this.api ??= (await listReferrersApi(this.repo.client, this.repo.repository, subject.digest)) !== undefined;
    return this.api;
  }
}
