import { RegctlError, withSubject } from '../errors.js';
import { readStream } from '../content/read-all.js';
import type { TransportResponse } from '../http/transport.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';
import { NextLinkPager } from './next-link.js';
import type { PageHandler } from './tags.js';
import { lazySchema } from '../util/lazy-schema.js';

const catalogPage = lazySchema((z) => z.looseObject({ repositories: z.array(z.string()).nullable().optional() }));

/** Pages read at most; a registry that keeps sending `Link` past this is not listing a catalog. */
const MAX_PAGES = 100_000;

/**
 * Walks a registry's repositories (`GET /v2/_catalog`, distribution's catalog API) page by page,
 * following `Link` pagination on the registry's own origin and handing each page to `onPage` as it
 * arrives. `pageSize` is sent as `?n=`; default: the registry's.
 */
export async function forEachCatalogPage(client: RegistryClient, pageSize: number | undefined, onPage: PageHandler): Promise<void> {
  const pager = new NextLinkPager(client.name, 'the catalog');
  let path: string | undefined = `/v2/_catalog${pageSize ? `?n=${pageSize}` : ''}`;
  for (let page = 0; path; page++) {
    if (page >= MAX_PAGES)
      throw new RegctlError('failed', `registry ${client.name} sent more than ${MAX_PAGES} catalog pages; stopped`, { subject: `registry ${client.name}` });
    const { res, url } = await client.request({ method: 'GET', path, scopes: ['registry:catalog:*'] });
    pager.visit(url);
    let names: string[];
    try {
      names = await readPage(res, url, client.name);
      // Judged (a repeat, a loop, another host) before the page is handed on: nothing is printed twice.
      pager.checkPage(names, url);
      path = pager.next(res, res.url || url);
    } catch (err) {
      // Everything past the request names the registry ("registry X sent …", "the catalog of X").
      throw withSubject(err, `registry ${client.name}`);
    }
    await onPage(names);
  }
}

async function readPage(res: TransportResponse, url: string, registry: string): Promise<string[]> {
  if (res.status !== 200) throw await responseError(res, 'GET', url, `the catalog of ${registry}`);
  const text = (await readStream(res.body, 64 * 1024 * 1024, `a catalog page of ${registry}`)).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new RegctlError('failed', `registry ${registry} sent a catalog page that is not JSON`);
  }
  const parsed = (await catalogPage()).safeParse(doc);
  if (!parsed.success) throw new RegctlError('failed', `registry ${registry} sent an invalid catalog page`);
  return parsed.data.repositories ?? [];
}
