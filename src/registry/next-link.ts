import { createHash } from 'node:crypto';
import { RegctlError } from '../errors.js';
import { header, type TransportResponse } from '../http/transport.js';
import { registryOriginUrl } from './registry-origin.js';

/** The target of an RFC 8288 `Link` header's `rel="next"` entry, as written (relative or absolute). */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(m?.[2] ?? '');
    if (m && rel && (rel[1] ?? rel[2] ?? '').split(/\s+/).includes('next')) return m[1] as string;
  }
  return undefined;
}

/**
 * Walks a paged listing (`/v2/_catalog`, `/v2/<name>/tags/list`) by its `Link: <…>; rel="next"`
 * headers (distribution-spec "Listing Tags", "Catalog"). Each next page gets the registry's
 * credentials, so only the registry's own origin is followed (registry-origin.ts); a link to a page
 * already read is a loop and stops the listing (exit 1) instead of spinning.
 */
export class NextLinkPager {
  private readonly visited = new Set<string>();
  private readonly pages = new Set<string>();
  private first: string | undefined;

  /**
   * `registry` names the registry and `what` the listing ("the catalog", "the tags of …") in errors;
   * `subject` is what that names (a repository), for callers that would otherwise name it again.
   */
  constructor(
    private readonly registry: string,
    private readonly what: string,
    private readonly subject?: string,
  ) {}

  /** Records a page as read; the first one fixes the registry's origin. */
  visit(url: string): void {
    this.first ??= url;
    this.visited.add(new URL(url).toString());
  }

  /**
   * Checks a page's names (read from `url`) before they are handed on: a non-empty page identical
   * to one already read is a loop through another spelling of a URL (`?n=100` for the first page's
   * bare URL), and stops the listing before anything is printed twice. One hash a page is kept.
   */
  checkPage(names: readonly string[], url: string): void {
    if (names.length === 0) return;
    const hash = createHash('sha256');
    for (const n of names) hash.update(`${n}\n`);
    const key = hash.digest('hex');
    if (this.pages.has(key)) throw this.loopError(url);
    this.pages.add(key);
  }

  private loopError(url: string): RegctlError {
    const u = new URL(url);
    return new RegctlError(
      'failed',
      `registry ${this.registry} sent a Link header that loops back to a page already read (${u.pathname}${u.search}) while listing ${this.what}; stopped`,
      this.subject === undefined ? {} : { subject: this.subject },
    );
  }

  /** The absolute URL of the page after the one `res` answered (at `answeredUrl`), or undefined on the last page. */
  next(res: Pick<TransportResponse, 'headers'>, answeredUrl: string): string | undefined {
    const target = nextLink(header(res, 'link'));
    if (target === undefined) return undefined;
    const url = registryOriginUrl(target, answeredUrl, this.first ?? answeredUrl, this.registry, 'a Link header');
    if (this.visited.has(url)) throw this.loopError(url);
    return url;
  }
}
