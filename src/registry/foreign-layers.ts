import type { Readable } from 'node:stream';
import { RegctlError, type ErrorKind } from '../errors.js';
import type { Fetcher } from '../content/types.js';
import { header, type Transport } from '../http/transport.js';
import type { Descriptor } from '../oci/descriptor.js';
import { discard } from '../util/discard.js';

/** How a url is named in messages: scheme, host and path, never user info or a (possibly signed) query. */
function shown(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * Reads non-distributable (foreign) layers from the `urls` of their descriptor, as docker and
 * containerd do for Windows base layers: each url in order until one answers 200. Requests go
 * through the bare transport, never the auth middleware, so no registry credential or token
 * reaches those hosts, and a 401 there is just a failed url. Only https is used, plain http only
 * for loopback and insecure hosts. Size and digest are verified by whoever stores the stream (the
 * cache does before naming the blob); a url whose Content-Length differs is skipped up front.
 */
export class ForeignLayerFetcher implements Fetcher {
  constructor(private readonly transport: Pick<Transport, 'request' | 'allowsPlainHttp'>) {}

  /** Opens the layer from the first of its urls that serves it; rejects naming every url tried. */
  async fetch(desc: Descriptor): Promise<Readable> {
    const urls = desc.urls ?? [];
    if (urls.length === 0) throw new RegctlError('not-found', `foreign layer ${desc.digest} lists no urls to fetch it from`);
    const failures: string[] = [];
    let kind: ErrorKind = 'not-found';
    for (const raw of urls) {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        failures.push(`"${raw}" is not a URL`);
        continue;
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') {
        failures.push(`${u.protocol} is not supported`);
        continue;
      }
      if (u.protocol === 'http:' && !this.transport.allowsPlainHttp(u.host)) {
        // Refused before connecting: a layer from a plain-HTTP host could be swapped on the way.
        failures.push(`${shown(u)}: plain HTTP refused (not loopback or insecure)`);
        continue;
      }
      try {
        const res = await this.transport.request({ method: 'GET', url: u.toString() });
        const length = header(res, 'content-length');
        if (res.status === 200 && (length === undefined || Number(length) === desc.size)) return res.body;
        discard(res);
        failures.push(res.status === 200 ? `${shown(u)}: serves ${length} bytes, the layer has ${desc.size}` : `${shown(u)}: HTTP ${res.status}`);
        if (res.status === 429 || res.status >= 500) kind = 'network';
      } catch (err) {
        failures.push(`${shown(u)}: ${(err as Error).message}`);
        if (err instanceof RegctlError && err.kind === 'network') kind = 'network';
      }
    }
    throw new RegctlError(kind, `foreign layer ${desc.digest} could not be fetched from its urls: ${failures.join('; ')}`);
  }
}
