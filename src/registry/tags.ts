import { RegctlError, withSubject } from '../errors.js';
import { readStream } from '../content/read-all.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';
import { NextLinkPager } from './next-link.js';
import { lazySchema } from '../util/lazy-schema.js';

const tagList = lazySchema((z) => z.looseObject({ name: z.string().optional(), tags: z.array(z.string()).nullable().optional() }));

/** Lists a repository's tags, following Link pagination (distribution-spec "Listing Tags"). */
export async function listTags(client: RegistryClient, repository: string, name: string, pageSize?: number): Promise<string[]> {
  const tags: string[] = [];
  const pager = new NextLinkPager(client.name, `the tags of ${name}`, name);
  let path: string | undefined = `/v2/${repository}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
  for (let page = 0; path && page < 10_000; page++) {
    const { res, url } = await client.request({ method: 'GET', path });
    pager.visit(url);
    if (res.status !== 200) throw withSubject(await responseError(res, 'GET', url, `repository ${name}`), name);
    const text = (await readStream(res.body, 16 * 1024 * 1024, 'tag list')).toString('utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RegctlError('failed', `registry ${client.name} sent a tag list for ${name} that is not JSON`, { subject: name });
    }
    const parsed = (await tagList()).safeParse(doc);
    if (!parsed.success) throw new RegctlError('failed', `registry ${client.name} sent an invalid tag list for ${name}`, { subject: name });
    tags.push(...(parsed.data.tags ?? []));
    path = pager.next(res, res.url || url);
  }
  return tags;
}
