import type { DebugSink } from './debug.js';
import { proxyRulesFromEnv, type ProxyRules } from './proxy-env.js';
import { proxyConnector } from './proxy-routing.js';
import type { RetryListener } from './retry-notice.js';
import { createConnector, type Connector, type TlsSettings } from './tls-connector.js';

/** How long a server may stay silent by default (SPEC §6 `--timeout`). */
export const DEFAULT_TIMEOUT_MS = 60_000;

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

/** Options of the connections and of the undici dispatcher stack. */
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

/** How connections are opened: the per-host connector with proxy tunnels, and the proxy rules. */
export interface Connections {
  /** The connector (per-host TLS, proxy tunnels), shared by undici and the socket fast path. */
  connect: Connector;
  /** The proxy rules of the environment, if any proxy variable is set. */
  proxies: ProxyRules | undefined;
}

/**
 * The connector every connection goes through: per-host TLS (SPEC §5) below HTTPS_PROXY/NO_PROXY
 * tunnels, so every per-registry TLS setting holds through a proxy. Loads no undici.
 */
export function createConnections(options: DispatcherOptions): Connections {
  const env = options.env ?? process.env;
  const proxies = proxyRulesFromEnv(env);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const direct = createConnector({
    connectTimeoutMs: Math.min(timeoutMs, 10_000),
    ...options,
    systemTrust: { env, ...options.systemTrust },
  });
  return { connect: proxyConnector(direct, proxies, options.debug), proxies };
}
