import type { Dispatcher } from 'undici';
import { Agent, EnvHttpProxyAgent, interceptors } from './undici-parts.js';
import { caBundle, createConnector, type ConnectExtras, type TlsSettings } from './tls-connector.js';
import { debugInterceptor, type DebugSink } from './debug.js';
import { toNetworkError } from './errors.js';

/** Retry policy for idempotent requests; times in milliseconds. */
export interface RetrySettings {
  /** Retries after the first attempt; default 3. */
  maxRetries?: number;
  /** First back-off delay; default 500 ms, doubled each time. */
  minTimeout?: number;
  /** Longest delay, also the cap on Retry-After; default 30 000 ms. */
  maxTimeout?: number;
}

/** Options of the undici dispatcher stack. */
export interface DispatcherOptions extends TlsSettings {
  /** Connections per origin; default 8. */
  connections?: number;
  /** Retry policy for GET and HEAD. */
  retry?: RetrySettings;
  /** Debug sink; no debug output when absent. */
  debug?: DebugSink;
  /** Environment read for HTTPS_PROXY/HTTP_PROXY/NO_PROXY; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** DNS lookup for every connection; default the system resolver (tests map names to loopback). */
  lookup?: ConnectExtras['lookup'];
}

/** The composed dispatcher for requests, and a bare one (no retry) for probes; neither follows redirects. */
export interface DispatcherStack {
  /** Retries, debug logging and error mapping on top of the agent (redirects are the transport's). */
  dispatcher: Dispatcher;
  /** The agent with debug logging only: one attempt, raw errors (used to probe for TLS). */
  probe: Dispatcher;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Only resets are retried: a refused connection or unknown host is reported at once. */
const RETRY_ERROR_CODES = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ENETDOWN', 'EHOSTDOWN'];

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

/** True when a proxy variable is set, so the proxy-aware agent is needed. */
function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['HTTPS_PROXY'] || env['https_proxy'] || env['HTTP_PROXY'] || env['http_proxy']);
}

/**
 * Builds one keep-alive undici agent (proxy-aware when HTTPS_PROXY/HTTP_PROXY are set) composed with
 * debug logging, and retry of GET/HEAD on resets, 429 and 5xx honouring Retry-After (with Range resume).
 * Redirects are followed by the transport, one hop per request, under its own rules (SPEC §5).
 */
export function createDispatcher(options: DispatcherOptions): DispatcherStack {
  const env = options.env ?? process.env;
  const connect = createConnector(options, options.lookup ? { lookup: options.lookup } : {});
  const common = { connections: options.connections ?? 8, keepAliveTimeout: 30_000, connect };
  let agent: Dispatcher;
  if (proxyConfigured(env)) {
    // Through a proxy the tunnel's TLS comes from requestTls: only the global CA list applies there.
    const ca = caBundle(options.caCertFiles ?? []);
    const tls = ca ? { ca } : {};
    agent = new EnvHttpProxyAgent({
      ...common,
      requestTls: tls,
      proxyTls: tls,
      httpProxy: env['HTTP_PROXY'] ?? env['http_proxy'],
      httpsProxy: env['HTTPS_PROXY'] ?? env['https_proxy'],
      noProxy: env['NO_PROXY'] ?? env['no_proxy'],
    });
  } else {
    agent = new Agent(common);
  }
  const debug = options.debug ? [debugInterceptor(options.debug)] : [];
  const retry = interceptors.retry({
    maxRetries: options.retry?.maxRetries ?? 3,
    minTimeout: options.retry?.minTimeout ?? 500,
    maxTimeout: options.retry?.maxTimeout ?? 30_000,
    timeoutFactor: 2,
    retryAfter: true,
    methods: ['GET', 'HEAD'],
    statusCodes: [429, 500, 502, 503, 504],
    errorCodes: RETRY_ERROR_CODES,
    // Hand the last 5xx/429 answer to the caller instead of a synthetic error, so it can report it.
    throwOnError: false,
  });
  // compose() applies the first interceptor innermost: debug sees every hop and every retry.
  const dispatcher = agent.compose(...debug, retry, mapErrorsInterceptor());
  const probe = agent.compose(...debug);
  return { dispatcher, probe, close: () => agent.close() };
}
