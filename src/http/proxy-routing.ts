import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { headerPairs, type DebugSink } from './debug.js';
import { proxyFor, type ProxyRules } from './proxy-env.js';
import { describeProxy, openTunnel, proxyAuthorization } from './proxy-tunnel.js';
import type { Connector } from './tls-connector.js';

/**
 * Wraps the per-host connector so https:// origins the proxy rules send to a proxy are reached
 * through a CONNECT tunnel, with the same per-host TLS (CAs, client certificate, insecure) on the
 * tunnelled connection as on a direct one (SPEC §5). Connections to the proxies themselves, to
 * loopback and to NO_PROXY hosts go direct.
 */
export function proxyConnector(direct: Connector, rules: ProxyRules | undefined, debug?: DebugSink): Connector {
  if (!rules) return direct;
  const proxyOrigins = new Set([rules.https, rules.http].flatMap((p) => (p ? [p.url.origin] : [])));
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const origin = `${opts.protocol}//${opts.host ?? opts.hostname}`;
    const proxy = opts.protocol === 'https:' && !proxyOrigins.has(origin) ? proxyFor(rules, opts.protocol, opts.hostname, port) : undefined;
    if (!proxy) {
      direct(opts, callback);
      return;
    }
    const target = `${isIP(opts.hostname) === 6 ? `[${opts.hostname}]` : opts.hostname}:${port}`;
    debug?.(`* CONNECT ${target} through ${describeProxy(proxy)}`);
    openTunnel(proxy, target, direct, (err, socket) => {
      if (err || !socket) callback(err ?? new Error('no tunnel'), null);
      else direct({ ...opts, httpSocket: socket }, callback);
    });
  };
}

/**
 * An undici interceptor that sends plain-http requests the proxy rules send to a proxy as
 * absolute-form requests to HTTP_PROXY (RFC 9112 §3.2.2), as Go does, instead of tunnelling them:
 * most proxies allow CONNECT only to port 443.
 */
export function forwardProxyInterceptor(rules: ProxyRules | undefined): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    if (!rules?.http) return dispatch(opts, handler);
    const origin = new URL(String(opts.origin));
    const proxy = origin.protocol === 'http:' ? proxyFor(rules, 'http:', origin.hostname, Number(origin.port) || 80) : undefined;
    if (!proxy) return dispatch(opts, handler);
    const headers = headerPairs(opts.headers)
      .filter(([k]) => k.toLowerCase() !== 'host')
      .flat();
    headers.push('host', origin.host);
    const auth = proxyAuthorization(proxy.url);
    if (auth) headers.push('proxy-authorization', auth);
    return dispatch({ ...opts, origin: proxy.url.origin, path: `${origin.origin}${opts.path}`, headers }, handler);
  };
}
