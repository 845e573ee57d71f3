import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';

/** The answers that redirect (RFC 9110 §15.4). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Redirects followed for one request before giving up. */
export const MAX_REDIRECTS = 5;

/** One request as it is about to be sent: where, how, with which headers (lower-case names) and body. */
export interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Readable | Buffer | string;
}

/** Headers that carry a credential or session: never sent to an origin the request was redirected to. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

function isStream(body: Hop['body']): boolean {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body);
}

/**
 * The request to send after a redirect answer, or undefined when the answer is to be handed back as it
 * is (a body that cannot or must not be sent again). Rules (SPEC §5): a hop to another origin carries no
 * Authorization, Cookie or Proxy-Authorization; a request body is re-sent only to the same origin (and
 * never a stream); plain HTTP only to loopback or insecure hosts (`allowsPlainHttp`), whatever the
 * Location says; 303, and 301/302 after a POST, become a GET without body (RFC 9110 §15.4).
 */
export function nextHop(from: Hop, status: number, location: string, allowsPlainHttp: (host: string) => boolean): Hop | undefined {
  let url: URL;
  try {
    url = new URL(location, from.url);
  } catch {
    throw new RegctlError('failed', `${from.url.host} answered ${status} with an invalid Location header`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegctlError('failed', `${from.url.host} redirected to a ${url.protocol} URL; only http and https are followed`);
  }
  if (url.protocol === 'http:' && !allowsPlainHttp(url.host)) {
    throw new RegctlError(
      'network',
      `refusing to follow a redirect from ${from.url.host} to plain-HTTP http://${url.host}: plain HTTP is used only for loopback and insecure hosts (--insecure-registry ${url.host})`,
    );
  }
  const sameOrigin = url.origin === from.url.origin;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(from.headers)) {
    if (k === 'host') continue;
    if (!sameOrigin && CREDENTIAL_HEADERS.includes(k)) continue;
    headers[k] = v;
  }
  const toGet = status === 303 ? from.method !== 'HEAD' : (status === 301 || status === 302) && from.method === 'POST';
  if (toGet) {
    for (const k of Object.keys(headers)) if (k.startsWith('content-')) delete headers[k];
    return { url, method: 'GET', headers };
  }
  if (from.body !== undefined && (isStream(from.body) || !sameOrigin)) return undefined;
  return { url, method: from.method, headers, ...(from.body !== undefined ? { body: from.body } : {}) };
}
