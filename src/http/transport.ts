import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { createConnections, DEFAULT_TIMEOUT_MS, type RetrySettings } from './connections.js';
import type { DispatcherStack } from './dispatcher.js';
import { FastClient } from './fast-client.js';
import { fastRequestRetrying } from './fast-retry.js';
import type { BodySink } from './fast-exchange.js';
import { proxyFor } from './proxy-env.js';
import type { DebugSink } from './debug.js';
import { isAbortError, isPlainHttpAnswer, toNetworkError } from './errors.js';
import { MAX_REDIRECTS, REDIRECT_STATUSES, nextHop, type Hop } from './redirect.js';
import type { SchemeStore } from './scheme-memory.js';
import { isLoopbackHost } from './scheme.js';
import { isInsecureHost, type TlsSettings } from './tls-connector.js';
import { discard } from '../util/discard.js';
import { SourceReadable, takeChunkSource } from '../util/chunk-source.js';

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
  /** Milliseconds a server may stay silent (connect, response headers, a body) before the request fails; default 60 000. */
  timeoutMs?: number;
  /** Use the socket fast path for requests that ask for it; default true (tests turn it off to run a suite on undici alone). */
  fastPath?: boolean;
  /** Where the schemes of loopback and insecure hosts are remembered between runs; default nowhere (probe each run). */
  schemes?: SchemeStore;
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
  /**
   * 'follow' (default): up to 5 redirects, by the rules of nextHop() (no credentials to another origin,
   * plain HTTP only to loopback/insecure hosts). 'manual': a 3xx is handed back as it is.
   */
  redirect?: 'follow' | 'manual';
  /**
   * A body-less GET or HEAD that may go through the socket fast path (HTTP/1.1, Content-Length
   * bodies), else undici. `true`: a blob GET whose body the caller reads with
   * {@link TransportResponse.consume} and resumes itself. `'whole'`: a small answer (a manifest, a
   * token, a HEAD) read whole by the transport, which re-sends the request when the connection
   * fails mid-body, as undici's retry resumes it. A PUT or PATCH whose body is a
   * {@link SourceReadable} of known length (a blob upload) may take the fast path too, its pieces
   * written straight to the socket. Default: undici.
   */
  fast?: boolean | 'whole';
  /** False: no retry by the transport (the caller retries, resuming with Range itself). Default true for GET and HEAD. */
  retry?: boolean;
}

/** One HTTP response; its body must be consumed or destroyed by the caller. */
export interface TransportResponse {
  status: number;
  /** Response headers with lower-case names. */
  headers: Record<string, string | string[]>;
  body: Readable;
  /** The URL that answered (after redirects). */
  url: string;
  /**
   * Reads the body into `sink` straight from the connection's read buffer (the fast path); absent on
   * undici's answers, whose body is read as a stream (see {@link consumeBody}).
   */
  consume?(sink: BodySink): Promise<void>;
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

/** Creates the transport: one keep-alive agent with TLS, proxy, retry and debug layers, and our redirect rules on top. */
export function createTransport(options: TransportOptions): Transport {
  const connections = createConnections(options);
  // undici is loaded at the first request the socket fast path does not take (bodies sent, chunked
  // answers, plain HTTP through a proxy): a run that needs only body-less requests never loads it.
  let stackLoad: Promise<DispatcherStack> | undefined;
  const undici = (): Promise<DispatcherStack> => {
    stackLoad ??= import('./dispatcher.js').then((m) => m.createDispatcher(options, connections));
    return stackLoad;
  };
  const schemes = new Map<string, Promise<string>>();
  const allowsPlainHttp = (host: string): boolean => isLoopbackHost(host) || isInsecureHost(options.insecureHosts, host);
  const fast =
    options.fastPath === false
      ? undefined
      : new FastClient({
          connect: connections.connect,
          timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(options.connections ? { connections: options.connections } : {}),
          ...(options.debug ? { debug: options.debug } : {}),
        });
  // Plain HTTP through a forward proxy is undici's (absolute-form requests); https goes through the same tunnels.
  const fastReaches = (url: URL): boolean =>
    !!fast?.accepts(url.origin) && (url.protocol === 'https:' || !proxyFor(connections.proxies, 'http:', url.hostname, Number(url.port) || 80));

  const send = async (hop: Hop, req: TransportRequest): Promise<TransportResponse> => {
    const signal = req.signal;
    try {
      let body = hop.body;
      if (req.fast && fast && fastReaches(hop.url)) {
        if ((hop.method === 'GET' || hop.method === 'HEAD') && body === undefined) {
          const res = req.retry === false ? await fast.request(hop, signal) : await fastRequestRetrying(fast, hop, signal, options.retry, req.fast === 'whole');
          if (res) return res;
        } else {
          const source = takeChunkSource(body);
          if (source) {
            const res = await fast.request(hop, signal, source);
            if (res) return res;
            // Declined before a byte of it was taken (or it reads again): undici sends the same body.
            body = new SourceReadable(source);
          }
        }
      }
      const stack = await undici();
      const res = await stack.dispatcher.request({
        origin: hop.url.origin,
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method as 'GET',
        headers: hop.headers,
        body: body ?? null,
        signal,
        ...(req.retry === false ? { retryOptions: { maxRetries: 0 } } : {}),
      } as never);
      return { status: res.statusCode, headers: cleanHeaders(res.headers), body: res.body, url: hop.url.toString() };
    } catch (err) {
      throw toNetworkError(err, hop.url);
    }
  };

  // Redirects are ours, not undici's: the rules of nextHop() decide each hop, and the answer's `url`
  // tells the auth layer which origin really answered (a storage host's 401 is not the registry's).
  const follow = async (req: TransportRequest): Promise<TransportResponse> => {
    const headers: Record<string, string> = { 'user-agent': options.userAgent };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    let hop: Hop = { url: new URL(req.url), method: req.method.toUpperCase(), headers, ...(req.body !== undefined ? { body: req.body } : {}) };
    for (let hops = 0; ; hops++) {
      const res = await send(hop, req);
      const location = header(res, 'location');
      if (req.redirect === 'manual' || !REDIRECT_STATUSES.has(res.status) || !location) return res;
      let next: Hop | undefined;
      try {
        next = nextHop(hop, res.status, location, allowsPlainHttp);
        if (next && hops >= MAX_REDIRECTS) throw new RegctlError('failed', `too many redirects (more than ${MAX_REDIRECTS}) from ${new URL(req.url).host}`);
      } catch (err) {
        discard(res);
        throw err;
      }
      if (!next) return res;
      discard(res);
      hop = next;
    }
  };

  const probe = async (host: string): Promise<string> => {
    if (!allowsPlainHttp(host)) return `https://${host}`;
    try {
      const res = await (await undici()).probe.request({
        origin: `https://${host}`,
        path: '/v2/',
        method: 'GET',
        headers: { 'user-agent': options.userAgent },
      });
      discard(res);
      return `https://${host}`;
    } catch (err) {
      if (isPlainHttpAnswer(err)) return `http://${host}`;
      throw toNetworkError(err, `https://${host}/v2/`);
    }
  };

  // Hosts whose scheme came from the memory and that have not answered since: a wrong memory heals.
  const unconfirmed = new Set<string>();

  const resolveScheme = async (host: string): Promise<string> => {
    const memory = options.schemes;
    if (!memory || !allowsPlainHttp(host)) return probe(host);
    const known = await memory.recall(host);
    if (known) {
      unconfirmed.add(host.toLowerCase());
      return `${known}://${host}`;
    }
    const base = await probe(host);
    await memory.remember(host, base.startsWith('http:') ? 'http' : 'https');
    return base;
  };

  const baseUrl = (host: string): Promise<string> => {
    const key = host.toLowerCase();
    let p = schemes.get(key);
    if (!p) {
      p = resolveScheme(host);
      schemes.set(key, p);
      // A failed probe is not remembered: the next call tries again.
      p.catch(() => schemes.delete(key));
    }
    return p;
  };

  /**
   * A remembered scheme that failed (no answer, or Go's "400 Client sent an HTTP request to an
   * HTTPS server"): forget it, probe again, and resend once in the scheme found when the request
   * can be replayed. Otherwise the original answer or error stands.
   */
  const heal = async (req: TransportRequest, key: string, failure: { err: unknown } | { res: TransportResponse }): Promise<TransportResponse> => {
    const fail = (): TransportResponse => {
      if ('res' in failure) return failure.res;
      throw failure.err;
    };
    schemes.delete(key);
    await options.schemes?.forget(key);
    const url = new URL(req.url);
    let base: string;
    try {
      base = await baseUrl(url.host);
    } catch {
      return fail();
    }
    const scheme = new URL(base).protocol;
    const replayable = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
    if (scheme === url.protocol || !replayable) return fail();
    if ('res' in failure) discard(failure.res);
    url.protocol = scheme;
    return follow({ ...req, url: url.toString() });
  };

  const request = async (req: TransportRequest): Promise<TransportResponse> => {
    const key = new URL(req.url).host.toLowerCase();
    if (!unconfirmed.has(key)) return follow(req);
    let res: TransportResponse;
    try {
      res = await follow(req);
    } catch (err) {
      if (isAbortError(err)) throw err;
      unconfirmed.delete(key);
      return heal(req, key, { err });
    }
    unconfirmed.delete(key);
    return res.status === 400 ? heal(req, key, { res }) : res;
  };

  return {
    request,
    baseUrl,
    allowsPlainHttp,
    close: async () => {
      fast?.close();
      if (stackLoad) await (await stackLoad).close();
    },
  };
}
