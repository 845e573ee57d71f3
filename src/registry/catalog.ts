import { z } from 'zod';
import { RegctlError } from '../errors.js';
import { readStream } from '../content/read-all.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';
import { NextLinkPager } from './next-link.js';

const CatalogPage = z.looseObject({ repositories: z.array(z.string()).nullable().optional() });

/** Pages read at most; a registry that keeps sending `Link` past this is not listing a catalog. */
const MAX_PAGES = 100_000;

/**
 * Lists a registry's repositories (`GET /v2/_catalog`, distribution's catalog API), following
 * `Link` pagination on the registry's own origin. `pageSize` is sent as `?n=`; default: the registry's.
 */
export async function listCatalog(client: RegistryClient, pageSize?: number): Promise<string[]> {
  const repositories: string[] = [];
  const pager = new NextLinkPager(client.name, 'the catalog');
  let path: string | undefined = `/v2/_catalog${pageSize ? `?n=${pageSize}` : ''}`;
  for (let page = 0; path; page++) {
    if (page >= MAX_PAGES) throw new RegctlError('failed', `registry ${client.name} sent more than ${MAX_PAGES} catalog pages; stopped`);
    const { res, url } = await client.request({ method: 'GET', path, scopes: ['registry:catalog:*'] });
    pager.visit(url);
    if (res.status !== 200) throw await responseError(res, 'GET', url, `the catalog of ${client.name}`);
    const text = (await readStream(res.body, 64 * 1024 * 1024, 'catalog page')).toString('utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RegctlError('failed', `registry ${client.name} sent a catalog page that is not JSON`);
    }
    const parsed = CatalogPage.safeParse(doc);
    if (!parsed.success) throw new RegctlError('failed', `registry ${client.name} sent an invalid catalog page`);
    repositories.push(...(parsed.data.repositories ?? []));
    path = pager.next(res, res.url || url);
  }
  return repositories;
}
