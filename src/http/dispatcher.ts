import type { Dispatcher } from 'undici';
import { Agent, interceptors } from './undici-parts.js';
import { DEFAULT_TIMEOUT_MS, type Connections, type DispatcherOptions } from './connections.js';
import { debugInterceptor } from './debug.js';
import { forwardProxyInterceptor } from './proxy-routing.js';
import { RETRY_ERROR_CODES, toNetworkError } from './errors.js';
import { noticingRetry } from './retry-notice.js';

// undici parses HTTP/1 with llhttp compiled to WebAssembly (at its first connection); V8's optimising
// tier-up of that module runs on a background thread that process exit then waits for. Baseline
// (Liftoff) code parses as fast for our traffic and saved ~70 ms of every run that uses undici
// (measured: 281 → 204 ms for a no-op pull). Set here, where undici is loaded: runs that never
// need it (the socket fast path took every request) do not load node:v8 either.
process.getBuiltinModule('node:v8').setFlagsFromString('--liftoff-only');

/** The composed dispatcher for requests, and a bare one (no retry) for probes; neither follows redirects. */
export interface DispatcherStack {
  /** Retries, debug logging and error mapping on top of the agent (redirects are the transport's). */
  dispatcher: Dispatcher;
  /** The agent with debug logging only: one attempt, raw errors (used to probe for TLS). */
  probe: Dispatcher;
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
export function createDispatcher(options: DispatcherOptions, { connect, proxies }: Connections): DispatcherStack {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
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
  return { dispatcher, probe, close: () => agent.close() };
}
