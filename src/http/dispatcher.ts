import type { Dispatcher } from 'undici';
import { Agent, interceptors } from './undici-parts.js';
import { createConnector, type Connector, type TlsSettings } from './tls-connector.js';
import { debugInterceptor, type DebugSink } from './debug.js';
import { proxyRulesFromEnv, type ProxyRules } from './proxy-env.js';
import { forwardProxyInterceptor, proxyConnector } from './proxy-routing.js';
import { RETRY_ERROR_CODES, toNetworkError } from './errors.js';
import { noticingRetry, type RetryListener } from './retry-notice.js';

/** Retry policy for idempotent requests; times in milliseconds. */
export interface RetrySettings {
  /** Retries after the first attempt; default 3. */
  maxRetries?: number;
  /** First back-off delay; default 500 ms, doubled each time. */
  minTimeout?: number;
  /** Longest delay, also the cap on Retry-After; default 30 000 ms. */
  maxTimeout?: number;
  /** Told of each retry before its wait (progress displays print it); default none. */
  onRetry?: RetryListener;
}

/** Options of the undici dispatcher stack. */
export interface DispatcherOptions extends TlsSettings {
  /** Connections per origin; default 8. */
  connections?: number;
  /** Retry policy for GET and HEAD. */
  retry?: RetrySettings;
  /** Debug sink; no debug output when absent. */
  debug?: DebugSink;
  /** Environment read for HTTPS_PROXY/HTTP_PROXY/NO_PROXY, SSL_CERT_FILE/SSL_CERT_DIR and HOME; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds without a byte (response headers, or body) before a request fails; default 60 000 (SPEC §6). */
  timeoutMs?: number;
}

/** How long a server may stay silent by default (SPEC §6 `--timeout`). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** The composed dispatcher for requests, and a bare one (no retry) for probes; neither follows redirects. */
export interface DispatcherStack {
  /** Retries, debug logging and error mapping on top of the agent (redirects are the transport's). */
  dispatcher: Dispatcher;
  /** The agent with debug logging only: one attempt, raw errors (used to probe for TLS). */
  probe: Dispatcher;
  /** The connector under the agent (per-host TLS, proxy tunnels), for connections opened outside undici. */
  connect: Connector;
  /** The proxy rules of the environment, if any proxy variable is set. */
  proxies: ProxyRules | undefined;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Maps connection errors to RegctlError('network') as the outermost layer, so body-stream errors are mapped too. */
function mapErrorsInterceptor(): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const url = `${String(opts.origin ?? '')}${opts.path}`;
    return dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
      onResponseStart: (c, s, h, m) => handler.onResponseStart?.(c, s, h, m),
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, t) => handler.onResponseEnd?.(c, t),
      onResponseError: (c, err) => handler.onResponseError?.(c, toNetworkError(err, url) as Error),
    });
  };
}

/**
 * Builds one keep-alive undici agent composed with debug logging and retry of GET/HEAD on resets, 429
 * and 5xx honouring Retry-After (with Range resume); redirects are followed by the transport, one hop
 * per request, under its own rules (SPEC §5). HTTPS_PROXY/HTTP_PROXY/NO_PROXY are applied
 * below the per-host TLS connector, so every per-registry TLS setting holds through a proxy.
 */
export function createDispatcher(options: DispatcherOptions): DispatcherStack {
  const env = options.env ?? process.env;
  const proxies = proxyRulesFromEnv(env);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const direct = createConnector({
    connectTimeoutMs: Math.min(timeoutMs, 10_000),
    ...options,
    systemTrust: { env, ...options.systemTrust },
  });
  const connect = proxyConnector(direct, proxies, options.debug);
  // A silent server (headers or body) fails after timeoutMs instead of undici's 300 s (SPEC §6: never hang).
  const agent = new Agent({
    connections: options.connections ?? 8,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: connect as never,
  });
  const forward = forwardProxyInterceptor(proxies);
  const debug = options.debug ? [debugInterceptor(options.debug)] : [];
  const retry = interceptors.retry({
    maxRetries: options.retry?.maxRetries ?? 3,
    minTimeout: options.retry?.minTimeout ?? 500,
    maxTimeout: options.retry?.maxTimeout ?? 30_000,
    timeoutFactor: 2,
    retryAfter: true,
    methods: ['GET', 'HEAD'],
    statusCodes: [429, 500, 502, 503, 504],
    errorCodes: [...RETRY_ERROR_CODES],
    // Hand the last 5xx/429 answer to the caller instead of a synthetic error, so it can report it.
    throwOnError: false,
    retry: noticingRetry(options.retry?.onRetry),
  });
  // compose() applies the first interceptor innermost: debug sees every hop and every retry.
  const dispatcher = agent.compose(forward, ...debug, retry, mapErrorsInterceptor());
  const probe = agent.compose(forward, ...debug);
  return { dispatcher, probe, connect, proxies, close: () => agent.close() };
}
