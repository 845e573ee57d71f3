import { z } from 'zod';
import { RegctlError, withSubject } from '../errors.js';
import { readStream } from '../content/read-all.js';
import { header } from '../http/transport.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';
import { registryOriginUrl } from './registry-origin.js';

const TagList = z.looseObject({ name: z.string().optional(), tags: z.array(z.string()).nullable().optional() });

/** The target of an RFC 8288 Link header's rel="next" entry, as written (relative or absolute). */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2] ?? '')) return m[1] as string;
  }
  return undefined;
}

/** Lists a repository's tags, following Link pagination (distribution-spec "Listing Tags"). */
export async function listTags(client: RegistryClient, repository: string, name: string, pageSize?: number): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repository}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
  for (let page = 0; path && page < 10_000; page++) {
    const { res, url } = await client.request({ method: 'GET', path });
    if (res.status !== 200) throw withSubject(await responseError(res, 'GET', url, `repository ${name}`), name);
    const text = (await readStream(res.body, 16 * 1024 * 1024, 'tag list')).toString('utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RegctlError('failed', `registry ${client.name} sent a tag list for ${name} that is not JSON`, { subject: name });
    }
    const parsed = TagList.safeParse(doc);
    if (!parsed.success) throw new RegctlError('failed', `registry ${client.name} sent an invalid tag list for ${name}`, { subject: name });
    tags.push(...(parsed.data.tags ?? []));
    const next = nextLink(header(res, 'link'));
    // The next page gets the registry's credentials: only the registry's own origin is followed.
    path = next === undefined ? undefined : registryOriginUrl(next, res.url, url, client.name, 'a Link header');
  }
  return tags;
}
