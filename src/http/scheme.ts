import { isIP } from 'node:net';

/** Splits "host", "host:port", "[::1]:port" or "::1" into a bare host name and optional port. */
export function splitHostPort(host: string): { hostname: string; port?: string } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracket) return bracket[2] ? { hostname: bracket[1]!, port: bracket[2] } : { hostname: bracket[1]! };
  // Only a host with two colons can be an IPv6 address; the check spares the first isIP() call its
  // IPv6 pattern (~7 ms to compile) on every "host:port".
  if (host.indexOf(':') !== host.lastIndexOf(':') && isIP(host) === 6) return { hostname: host };
  const m = /^(.*):(\d+)$/.exec(host);
  return m ? { hostname: m[1]!, port: m[2]! } : { hostname: host };
}

/** True for localhost, 127.0.0.0/8 and ::1, with or without a port (SPEC §5: plain HTTP may be tried there). */
export function isLoopbackHost(host: string): boolean {
  const { hostname } = splitHostPort(host.toLowerCase());
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (hostname === '::1' || hostname === '0:0:0:0:0:0:0:1') return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}
