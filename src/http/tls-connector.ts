import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { buildConnector } from './undici-parts.js';
import { RegctlError, errnoCode } from '../errors.js';

/** TLS choices of a transport; every field is optional. */
export interface TlsSettings {
  /** Extra CA certificate files (PEM) trusted for every host, on top of the system/bundled CAs. */
  caCertFiles?: string[];
  /** Extra CA certificate files for one host ("host" or "host:port"). */
  perHostCa?: (host: string) => string[] | undefined;
  /** Client certificate and key files (PEM) for one host ("host" or "host:port"). */
  perHostClientCert?: (host: string) => { certFile: string; keyFile: string } | undefined;
  /** Hosts ("host" for every port, or "host:port") where plain HTTP and unverified TLS are accepted. */
  insecureHosts?: string[];
}

/** Reads a PEM file, failing with a one-line usage error that names it. */
function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new RegctlError('usage', `cannot read ${what} file ${file}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
}

/** True when `host` (with or without port) is listed in `insecureHosts`. */
export function isInsecureHost(insecureHosts: readonly string[] | undefined, host: string): boolean {
  if (!insecureHosts?.length) return false;
  const h = host.toLowerCase();
  const bare = h.replace(/:\d+$/, '');
  return insecureHosts.some((e) => {
    const x = e.toLowerCase();
    return x === h || x === bare;
  });
}

/** The CA list for the given extra files: system roots + NODE_EXTRA_CA_CERTS + the files; undefined when there are none. */
export function caBundle(files: readonly string[]): string[] | undefined {
  if (files.length === 0) return undefined;
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  // Setting `ca` replaces Node's default store, so the roots (and the env extras) are added back.
  const out = [...rootCertificates];
  if (extra) {
    try {
      out.push(readFileSync(extra, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS.
    }
  }
  for (const f of files) out.push(readPem(f, 'CA certificate'));
  return out;
}

type Connector = ReturnType<typeof buildConnector>;

/** Connection options that are not about TLS. */
export interface ConnectExtras {
  /** DNS lookup passed to net/tls connect; default the system resolver. */
  lookup?: LookupFunction;
}

/**
 * An undici `connect` function that picks TLS options per host: extra CAs, client certificates and,
 * for insecure hosts only, no certificate verification (as docker does for --insecure-registry).
 */
export function createConnector(settings: TlsSettings, extras: ConnectExtras = {}): Connector {
  const globalFiles = settings.caCertFiles ?? [];
  caBundle(globalFiles); // fail early on an unreadable global CA file
  const byHost = new Map<string, Connector>();
  const forHost = (hostname: string, port: string): Connector => {
    const key = port ? `${hostname}:${port}` : hostname;
    let c = byHost.get(key);
    if (c) return c;
    const hostFiles = settings.perHostCa?.(key) ?? (port ? settings.perHostCa?.(hostname) : undefined) ?? [];
    const client = settings.perHostClientCert?.(key) ?? (port ? settings.perHostClientCert?.(hostname) : undefined);
    const ca = caBundle([...globalFiles, ...hostFiles]);
    c = buildConnector({
      ...(extras.lookup ? { lookup: extras.lookup } : {}),
      ...(ca ? { ca } : {}),
      ...(client ? { cert: readPem(client.certFile, 'client certificate'), key: readPem(client.keyFile, 'client key') } : {}),
      ...(isInsecureHost(settings.insecureHosts, key) ? { rejectUnauthorized: false } : {}),
    });
    byHost.set(key, c);
    return c;
  };
  return (opts, callback) => {
    let c: Connector;
    try {
      c = forHost(opts.hostname, opts.port ?? '');
    } catch (err) {
      callback(err as Error, null);
      return;
    }
    c(opts, callback);
  };
}
