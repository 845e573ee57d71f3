import { BlockList, isIP } from 'node:net';
import { RegctlError } from '../errors.js';
import { redactUrl } from './redact.js';
import { isLoopbackHost } from './scheme.js';

/** One proxy: its URL and the variable it came from (for messages). */
export interface ProxyEndpoint {
  url: URL;
  /** e.g. "HTTPS_PROXY". */
  variable: string;
}

/** The proxy rules of the environment, as Go's net/http reads them (golang.org/x/net/http/httpproxy). */
export interface ProxyRules {
  /** For https:// requests: HTTPS_PROXY. */
  https?: ProxyEndpoint;
  /** For http:// requests: HTTP_PROXY. */
  http?: ProxyEndpoint;
  /** True when NO_PROXY says the host (hostname without brackets, port) goes direct. */
  bypass(hostname: string, port: number): boolean;
}

function firstEnv(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return { name, value };
  }
  return undefined;
}

/** Parses a proxy variable; a value without a scheme is an http:// proxy (as Go does). */
function parseProxy(name: string, value: string): ProxyEndpoint {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RegctlError('usage', `${name} is not a valid proxy URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegctlError('usage', `${name}=${redactUrl(url.toString())}: only http:// and https:// proxies are supported`);
  }
  return { url, variable: name };
}

interface DomainRule {
  /** ".example.com" */
  suffix: string;
  /** Also the domain itself (an entry written without a leading dot or "*."). */
  exact: boolean;
  port: number;
}

/**
 * Compiles NO_PROXY: `*` (everything), `host`/`domain` (itself and its subdomains), `.domain` and
 * `*.domain` (subdomains only), `IP`, `CIDR`, and any of them with `:port`.
 */
export function noProxyMatcher(value: string): (hostname: string, port: number) => boolean {
  const domains: DomainRule[] = [];
  const ips: { ip: string; port: number }[] = [];
  const cidrs = new BlockList();
  for (const raw of value.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return () => true;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    const cidrFamily = cidr ? isIP(cidr[1]!) : 0;
    if (cidr && cidrFamily) {
      cidrs.addSubnet(cidr[1]!, Number(cidr[2]), cidrFamily === 6 ? 'ipv6' : 'ipv4');
      continue;
    }
    const hp = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? (isIP(entry) === 6 ? null : /^([^:]+)(?::(\d+))?$/.exec(entry));
    const host = hp ? hp[1]! : entry;
    const port = hp?.[2] ? Number(hp[2]) : 0;
    if (isIP(host)) {
      ips.push({ ip: host, port });
      continue;
    }
    let suffix = host.startsWith('*.') ? host.slice(1) : host;
    const exact = !suffix.startsWith('.');
    if (exact) suffix = `.${suffix}`;
    if (suffix.length > 1) domains.push({ suffix, exact, port });
  }
  return (hostname, port) => {
    const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const family = isIP(h);
    if (family) {
      if (ips.some((r) => r.ip === h && (!r.port || r.port === port))) return true;
      if (cidrs.check(h, family === 6 ? 'ipv6' : 'ipv4')) return true;
    }
    return domains.some((d) => (h.endsWith(d.suffix) || (d.exact && h === d.suffix.slice(1))) && (!d.port || d.port === port));
  };
}

/**
 * Reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY (upper case first, then lower case, as Go does);
 * undefined when no proxy is set. A bad proxy URL is a usage error naming the variable.
 */
export function proxyRulesFromEnv(env: NodeJS.ProcessEnv): ProxyRules | undefined {
  const https = firstEnv(env, ['HTTPS_PROXY', 'https_proxy']);
  const http = firstEnv(env, ['HTTP_PROXY', 'http_proxy']);
  if (!https && !http) return undefined;
  const bypass = noProxyMatcher(firstEnv(env, ['NO_PROXY', 'no_proxy'])?.value ?? '');
  return {
    ...(https ? { https: parseProxy(https.name, https.value) } : {}),
    ...(http ? { http: parseProxy(http.name, http.value) } : {}),
    bypass,
  };
}

/**
 * The proxy for a request to `protocol//hostname:port`, or undefined to go direct. Loopback
 * (`localhost`, 127.0.0.0/8, ::1) is never proxied, whatever NO_PROXY says, as in Go's net/http.
 */
export function proxyFor(rules: ProxyRules | undefined, protocol: string, hostname: string, port: number): ProxyEndpoint | undefined {
  if (!rules) return undefined;
  const proxy = protocol === 'https:' ? rules.https : protocol === 'http:' ? rules.http : undefined;
  if (!proxy) return undefined;
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(bare) || rules.bypass(bare, port)) return undefined;
  return proxy;
}
