import { RegctlError } from '../errors.js';
import { header, type TransportResponse } from '../http/transport.js';

/** The target of an RFC 8288 `Link` header's `rel="next"` entry, as written (relative or absolute). */
export function nextLinkTarget(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(m?.[2] ?? '');
    if (m && rel && (rel[1] ?? rel[2] ?? '').split(/\s+/).includes('next')) return m[1] as string;
  }
  return undefined;
}

/** True when `url` is on the registry's origin: the same host and port, and the same scheme or an http→https upgrade. */
export function onRegistryOrigin(url: URL, registry: URL): boolean {
  if (url.host !== registry.host) return false;
  return url.protocol === registry.protocol || (registry.protocol === 'http:' && url.protocol === 'https:');
}

/**
 * Walks a paged listing (`/v2/_catalog`, `/v2/<name>/tags/list`) by its `Link: <…>; rel="next"`
 * headers (distribution-spec "Listing Tags", "Catalog"). Each next page gets the registry's
 * credentials, so only the registry's own origin is followed; a link to a page already read is a
 * loop and stops the listing (exit 1) instead of spinning.
 */
export class NextLinkPager {
  private readonly visited = new Set<string>();
  private origin: URL | undefined;

  /** `registry` and `what` (e.g. "the catalog") name the listing in errors. */
  constructor(private readonly registry: string, private readonly what: string) {}

  /** Records a page as read; the first one fixes the registry's origin. */
  visit(url: string): void {
    const u = new URL(url);
    this.origin ??= u;
    this.visited.add(u.toString());
  }

  /** The absolute URL of the page after the one `res` answered (from `answeredUrl`), or undefined on the last page. */
  next(res: Pick<TransportResponse, 'headers'>, answeredUrl: string): string | undefined {
    const target = nextLinkTarget(header(res, 'link'));
    if (target === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(target, answeredUrl);
    } catch {
      throw new RegctlError('failed', `registry ${this.registry} sent a Link header that is not a valid URL while listing ${this.what}`);
    }
    const origin = this.origin ?? new URL(answeredUrl);
    if (!onRegistryOrigin(url, origin)) {
      const where = url.host === origin.host ? `${url.protocol}//${url.host}` : `another host (${url.host})`;
      throw new RegctlError('failed', `registry ${this.registry} sent a Link header pointing at ${where} while listing ${this.what}; refused: regctl follows it only on the registry's own host`);
    }
    if (this.visited.has(url.toString())) {
      throw new RegctlError('failed', `registry ${this.registry} sent a Link header that loops back to a page already read (${url.pathname}${url.search}) while listing ${this.what}; stopped`);
    }
    return url.toString();
  }
}
