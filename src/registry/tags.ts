import { RegctlError, withSubject } from '../errors.js';
import { readStream } from '../content/read-all.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';
import { NextLinkPager } from './next-link.js';
import { lazySchema } from '../util/lazy-schema.js';

const tagList = lazySchema((z) => z.looseObject({ name: z.string().optional(), tags: z.array(z.string()).nullable().optional() }));

/** Largest tag-list page read (the CNCF registry serves 140,001 tags, about 3 MB, in one page). */
const PAGE_LIMIT = 64 * 1024 * 1024;

/** Receives one page of a listing; the next page is asked for only once it resolves. */
export type PageHandler = (names: readonly string[]) => void | Promise<void>;

/**
 * Walks a repository's tags page by page, following Link pagination (distribution-spec "Listing
 * Tags"), handing each page to `onPage` as it arrives: memory holds one page, whatever the total.
 */
export async function forEachTagPage(
  client: RegistryClient,
  repository: string,
  name: string,
  pageSize: number | undefined,
  onPage: PageHandler,
): Promise<void> {
  const pager = new NextLinkPager(client.name, `the tags of ${name}`, name);
  let path: string | undefined = `/v2/${repository}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
  for (let page = 0; path && page < 10_000; page++) {
    const { res, url } = await client.request({ method: 'GET', path });
    pager.visit(url);
    if (res.status !== 200) throw withSubject(await responseError(res, 'GET', url, `repository ${name}`), name);
    const text = (await readStream(res.body, PAGE_LIMIT, 'tag list')).toString('utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RegctlError('failed', `registry ${client.name} sent a tag list for ${name} that is not JSON`, { subject: name });
    }
    const parsed = (await tagList()).safeParse(doc);
    if (!parsed.success) throw new RegctlError('failed', `registry ${client.name} sent an invalid tag list for ${name}`, { subject: name });
    const names = parsed.data.tags ?? [];
    // The page and its Link are judged (a repeat, a loop, another host) before the page is handed on:
    // nothing is printed twice, and a refused Link leaves its page unprinted.
    pager.checkPage(names, url);
    path = pager.next(res, res.url || url);
    await onPage(names);
  }
}

/** Lists a repository's tags, following Link pagination (distribution-spec "Listing Tags"). */
export async function listTags(client: RegistryClient, repository: string, name: string, pageSize?: number): Promise<string[]> {
  const tags: string[] = [];
  // A loop, not push(...page): spreading a 130k-tag page into arguments overflows the call stack.
  await forEachTagPage(client, repository, name, pageSize, (page) => {
    for (const t of page) tags.push(t);
  });
  return tags;
}
