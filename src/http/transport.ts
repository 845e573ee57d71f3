import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { createDispatcher, type DispatcherStack, type RetrySettings } from './dispatcher.js';
import type { DebugSink } from './debug.js';
import { isPlainHttpAnswer, toNetworkError } from './errors.js';
import { isLoopbackHost } from './scheme.js';
import { isInsecureHost, type TlsSettings } from './tls-connector.js';

/** Options of createTransport; everything but userAgent is optional. */
export interface TransportOptions extends TlsSettings {
  /** User-Agent header value, e.g. "regctl/0.1.0". */
  userAgent: string;
  /** Sink for redacted debug lines; none when absent. */
  debug?: DebugSink;
  /** Connections per origin; default 8. */
  connections?: number;
  /** Retry policy for GET and HEAD (default 3 retries from 500 ms). */
  retry?: RetrySettings;
  /** Environment for proxy variables; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** One HTTP request. */
export interface TransportRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  /** Request headers; names are case-insensitive. */
  headers?: Record<string, string>;
  /** A stream body is sent once and never replayed. */
  body?: Readable | Buffer | string;
  signal?: AbortSignal;
}

/** One HTTP response; its body must be consumed or destroyed by the caller. */
export interface TransportResponse {
  status: number;
  /** Response headers with lower-case names. */
  headers: Record<string, string | string[]>;
  body: Readable;
  /** The URL that answered (after redirects). */
  url: string;
}

/** The HTTP client every registry call goes through. */
export interface Transport {
  /** Sends one request; connection failures reject with RegctlError('network') naming the host. */
  request(req: TransportRequest): Promise<TransportResponse>;
  /** "https://host" or, for loopback and insecure hosts not speaking TLS, "http://host"; remembered per host. */
  baseUrl(host: string): Promise<string>;
  /** True when plain HTTP may be used with this host (loopback or insecure). */
  allowsPlainHttp(host: string): boolean;
  /** Closes all connections. */
  close(): Promise<void>;
}

/** Reads a response header case-insensitively; several values are joined with ", ". */
export function header(res: Pick<TransportResponse, 'headers'>, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()] ?? Object.entries(res.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Copies undici's header record, dropping undefined values. */
function cleanHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** The final URL from undici's redirect history, if any. */
function finalUrl(context: unknown, fallback: string): string {
  const history = (context as { history?: unknown[] } | undefined)?.history;
  const last = Array.isArray(history) && history.length > 0 ? history[history.length - 1] : undefined;
  return last instanceof URL ? last.toString() : fallback;
}

/** Creates the transport: one keep-alive agent with TLS, proxy, retry, redirect and debug layers. */
export function createTransport(options: TransportOptions): Transport {
  const stack: DispatcherStack = createDispatcher(options);
  const schemes = new Map<string, Promise<string>>();

  const request = async (req: TransportRequest): Promise<TransportResponse> => {
    const u = new URL(req.url);
    const headers: Record<string, string> = { 'user-agent': options.userAgent };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    try {
      const res = await stack.dispatcher.request({
        origin: u.origin,
        path: `${u.pathname}${u.search}`,
        method: req.method.toUpperCase() as 'GET',
        headers,
        body: req.body ?? null,
        signal: req.signal,
      });
      return {
        status: res.statusCode,
        headers: cleanHeaders(res.headers),
        body: res.body,
        url: finalUrl(res.context, u.toString()),
      };
    } catch (err) {
      throw toNetworkError(err, u);
    }
  };

  const allowsPlainHttp = (host: string): boolean => isLoopbackHost(host) || isInsecureHost(options.insecureHosts, host);

  const probe = async (host: string): Promise<string> => {
    if (!allowsPlainHttp(host)) return `https://${host}`;
    try {
      const res = await stack.probe.request({
        origin: `https://${host}`,
        path: '/v2/',
        method: 'GET',
        headers: { 'user-agent': options.userAgent },
      });
      res.body.resume();
      return `https://${host}`;
    } catch (err) {
      if (isPlainHttpAnswer(err)) return `http://${host}`;
      throw toNetworkError(err, `https://${host}/v2/`);
    }
  };

  const baseUrl = (host: string): Promise<string> => {
    const key = host.toLowerCase();
    let p = schemes.get(key);
    if (!p) {
      p = probe(host);
      schemes.set(key, p);
      // A failed probe is not remembered: the next call tries again.
      p.catch(() => schemes.delete(key));
    }
    return p;
  };

  return {
    request,
    baseUrl,
    allowsPlainHttp,
    close: () => stack.close(),
  };
}

/** Throws unless `url` is https, or http to a host where plain HTTP is allowed. */
export function assertSchemeAllowed(transport: Transport, url: string, what: string): void {
  const u = new URL(url);
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && transport.allowsPlainHttp(u.host)) return;
  throw new RegctlError('network', `refusing to send ${what} to ${u.protocol}//${u.host} without TLS`);
}
