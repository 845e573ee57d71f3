import type { Readable } from 'node:stream';
import { logRequest, logResponse, type DebugSink } from './debug.js';
import type { ChunkSource } from '../util/chunk-source.js';
import { FastConnection } from './fast-connection.js';
import { FastFallback, type BodySink, type FastExchange } from './fast-exchange.js';
import { toNetworkError } from './errors.js';
import { sendBody, type BodySending } from './fast-upload.js';
import { redactUrl } from './redact.js';
import type { Hop } from './redirect.js';
import type { Connector } from './tls-connector.js';

/** Options of {@link FastClient}. */
export interface FastClientOptions {
  /** The transport's connector: the same TLS trust, client certificates, insecure hosts, lookup and proxy tunnels. */
  connect: Connector;
  /** Connections per origin, as for undici's pool; default 8. */
  connections?: number;
  /** Milliseconds a server may stay silent (head or body). */
  timeoutMs: number;
  /** How long an idle connection is kept for the next request; default 4 000 ms (undici's). */
  idleMs?: number;
  debug?: DebugSink;
}

/** A response read by the fast path: head as usual, body by {@link consume} (or as a Readable of copies). */
export interface FastResponse {
  status: number;
  headers: Record<string, string | string[]>;
  url: string;
  readonly body: Readable;
  consume(sink: BodySink): Promise<void>;
}

/** Bytes a header value may hold on the wire (undici's rule): no CR, LF or NUL can reach the request. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

interface Waiter {
  resolve: (conn: FastConnection | undefined) => void;
}

interface OriginPool {
  idle: FastConnection[];
  active: number;
  waiters: Waiter[];
}

/**
 * The socket fast path (issue 13): GETs and HEADs whose answers carry a Content-Length or a
 * chunked body, sent on pooled HTTP/1.1 connections read into one reused buffer each, the body
 * handed to a sink as it arrives. Anything it does not read (close-delimited bodies, odd status
 * lines, header values it will not write) is declined — `request` resolves undefined — and the transport sends it through
 * undici instead; an origin declined once is not tried again in this run.
 */
export class FastClient {
  private readonly pools = new Map<string, OriginPool>();
  private readonly declined = new Set<string>();
  private closed = false;

  constructor(private readonly options: FastClientOptions) {}

  /** True unless this origin's answers already needed undici. */
  accepts(origin: string): boolean {
    return !this.closed && !this.declined.has(origin);
  }

  /**
   * Sends a body-less GET or HEAD `hop`, or a PUT/PATCH whose body is `source` (its Content-Length
   * header must say the source's size); resolves with its response, or undefined when undici must
   * take it — for an upload only while the source can still be read again (it was not started, or it
   * is replayable).
   */
  async request(hop: Hop, signal?: AbortSignal, source?: ChunkSource): Promise<FastResponse | undefined> {
    const head = requestHead(hop, source);
    if (!head || !this.accepts(hop.url.origin)) return undefined;
    const url = redactUrl(hop.url.toString());
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      // An upload never waits for a connection: in a copy within one registry, the GETs feeding the
      // uploads could hold them all. undici sends it instead.
      const conn = await this.acquire(hop.url, !source);
      if (!conn) return undefined;
      const started = Date.now();
      if (this.options.debug) {
        this.options.debug(`* socket fast path, ${conn.served > 0 ? 'kept-alive' : 'new'} connection`);
        logRequest(this.options.debug, hop.method, url, Object.entries(hop.headers));
      }
      conn.bodyPending = false;
      const exchange = conn.send(head, this.options.timeoutMs, (c, reusable) => this.release(c, reusable), hop.method === 'HEAD');
      const sending: BodySending | undefined = source ? sendBody(conn, exchange, source) : undefined;
      // What was sent of a body that cannot be read again is gone: no second attempt, no undici.
      const replayable = (): boolean => !sending?.started || !!source?.replayable;
      exchange.mapError = (err) => toNetworkError(err, hop.url) as Error;
      const abort = (): void => exchange.fail(abortError(signal));
      signal?.addEventListener('abort', abort, { once: true });
      let answer;
      try {
        answer = await exchange.head;
      } catch (err) {
        signal?.removeEventListener('abort', abort);
        if (err instanceof FastFallback) {
          this.declined.add(hop.url.origin);
          this.options.debug?.(`* ${err.message} for ${hop.url.origin}; using undici`);
          if (replayable()) return undefined;
          throw toNetworkError(Object.assign(new Error(`its answer to an upload could not be read (${err.message})`), { cause: err }), hop.url);
        }
        // A kept-alive connection the server closed meanwhile: one fresh connection, as undici does.
        if (conn.served > 0 && !exchange.sawBytes && attempt === 0 && !signal?.aborted && replayable()) continue;
        throw err;
      }
      if (this.options.debug) logResponse(this.options.debug, hop.method, url, answer.status, answer.reason, answer.headers, started);
      return response(exchange, answer.status, answer.headers, hop.url.toString(), () => signal?.removeEventListener('abort', abort));
    }
  }

  /** Closes every connection. */
  close(): void {
    this.closed = true;
    for (const pool of this.pools.values()) {
      for (const conn of pool.idle.splice(0)) conn.destroy();
      for (const w of pool.waiters.splice(0)) w.resolve(undefined);
    }
  }

  private pool(origin: string): OriginPool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = { idle: [], active: 0, waiters: [] };
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private async acquire(url: URL, wait: boolean): Promise<FastConnection | undefined> {
    const pool = this.pool(url.origin);
    for (;;) {
      const idle = pool.idle.pop();
      if (idle) {
        if (!idle.usable) continue;
        pool.active++;
        return idle;
      }
      if (pool.active < (this.options.connections ?? 8)) {
        pool.active++;
        try {
          return await FastConnection.open(this.options.connect, url);
        } catch (err) {
          this.release(undefined, false, url.origin);
          throw err;
        }
      }
      if (!wait) return undefined;
      const conn = await new Promise<FastConnection | undefined>((resolve) => pool.waiters.push({ resolve }));
      if (this.closed) throw new Error('the transport was closed');
      if (conn) return conn;
    }
  }

  /** A connection's exchange ended: keep it for the next request, or make room for a new one. */
  private release(conn: FastConnection | undefined, reusable: boolean, originOf?: string): void {
    const origin = conn?.origin ?? (originOf as string);
    const pool = this.pool(origin);
    pool.active--;
    const waiter = pool.waiters.shift();
    if (conn && reusable && !this.closed) {
      if (waiter) {
        pool.active++;
        waiter.resolve(conn);
        return;
      }
      pool.idle.push(conn);
      conn.idle(() => {
        const at = pool.idle.indexOf(conn);
        if (at >= 0) pool.idle.splice(at, 1);
      }, this.options.idleMs ?? 4_000);
      return;
    }
    conn?.destroy();
    // The waiter opens a connection of its own in the slot this one leaves.
    waiter?.resolve(undefined);
  }
}

/**
 * The request head of a body-less GET or HEAD, or of a PUT/PATCH sending `source` with a matching
 * Content-Length; undefined when the request is not one of those or a header cannot be written as it is.
 */
function requestHead(hop: Hop, source: ChunkSource | undefined): string | undefined {
  if (source) {
    if ((hop.method !== 'PUT' && hop.method !== 'PATCH') || hop.headers['content-length'] !== String(source.size)) return undefined;
  } else if ((hop.method !== 'GET' && hop.method !== 'HEAD') || hop.body !== undefined) return undefined;
  let head = `${hop.method} ${hop.url.pathname}${hop.url.search} HTTP/1.1\r\nhost: ${hop.url.host}\r\n`;
  if (source) head += `content-length: ${source.size}\r\n`;
  for (const [name, value] of Object.entries(hop.headers)) {
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return undefined;
    if (name === 'host' || name === 'connection' || name === 'content-length' || name === 'transfer-encoding') continue;
    head += `${name}: ${value}\r\n`;
  }
  return `${head}connection: keep-alive\r\n\r\n`;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason as unknown;
  return reason instanceof Error ? reason : Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

function response(exchange: FastExchange, status: number, headers: Record<string, string | string[]>, url: string, done: () => void): FastResponse {
  let body: Readable | undefined;
  return {
    status,
    headers,
    url,
    get body(): Readable {
      if (!body) {
        body = exchange.stream();
        body.once('close', done);
      }
      return body;
    },
    consume: (sink) => exchange.consume(sink).finally(done),
  };
}
