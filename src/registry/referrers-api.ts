import { RegctlError } from '../errors.js';
import { readStream } from '../content/read-all.js';
import { filterReferrers, parseReferrersIndex } from '../content/referrers.js';
import { header } from '../http/transport.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { discard } from '../util/discard.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';
import { NextLinkPager } from './next-link.js';

/** Most pages of one referrers list followed; a registry sending more is refused rather than followed forever. */
export const MAX_REFERRER_PAGES = 1000;

/**
 * Lists the referrers of `digest` through the OCI 1.1 referrers API (distribution-spec "Listing
 * Referrers", end-12a/b): `GET /v2/<name>/referrers/<digest>[?artifactType=]`, following `Link:
 * rel="next"` on the registry's own origin only and refusing a page read before (a loop). Resolves
 * with undefined when the registry has no such API (404, as distribution 2.8 answers, or an answer
 * that is not an image index): the caller falls back to the tag schema. The artifactType filter is
 * applied here as well, so a registry that ignored it (no `OCI-Filters-Applied: artifactType`) gives
 * the same list as one that applied it.
 */
export async function listReferrersApi(client: RegistryClient, repository: string, digest: string, artifactType?: string): Promise<Descriptor[] | undefined> {
  const what = `referrers of ${client.name}/${repository}@${digest}`;
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  let path: string | undefined = `/v2/${repository}/referrers/${digest}${query}`;
  const pager = new NextLinkPager(client.name, what);
  const found: Descriptor[] = [];
  for (let page = 0; path !== undefined; page++) {
    if (page >= MAX_REFERRER_PAGES)
      throw new RegctlError('failed', `registry ${client.name} sent more than ${MAX_REFERRER_PAGES} pages of ${what}; refusing to follow more`);
    const { res, url } = await client.request({ method: 'GET', path, headers: { accept: MediaType.ociIndex } });
    pager.visit(url);
    if (res.status === 404 && page === 0) {
      discard(res);
      return undefined;
    }
    if (res.status !== 200) throw await responseError(res, 'GET', url, what);
    const type = (header(res, 'content-type') ?? '').split(';')[0]?.trim();
    if (page === 0 && type !== MediaType.ociIndex) {
      // Not the referrers API (a catch-all page, a proxy): the spec's fallback applies.
      discard(res);
      return undefined;
    }
    const index = parseReferrersIndex(await readStream(res.body, MAX_MANIFEST_BYTES, what), what);
    found.push(...index.manifests);
    // The next page gets the registry's credentials: the pager follows the registry's own origin only, and no page twice.
    path = pager.next(res, res.url || url);
  }
  return filterReferrers(found, artifactType);
}
