import { isIP, type LookupFunction } from 'node:net';
import { homedir } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { defaultCertsDirs, hostCertificates, type ClientCertFiles } from './certs-d.js';
import { SecureContexts } from './secure-contexts.js';
import { openSocket, TlsSessions, type SocketCallback, type SocketConnectOptions, type SocketTarget } from './socket-connect.js';
import type { SystemTrustOptions } from './trust-store.js';

/** TLS choices of a transport; every field is optional. */
export interface TlsSettings {
  /** Extra CA certificate files (PEM) trusted for every host, on top of the system and bundled CAs. */
  caCertFiles?: string[];
  /** Extra CA certificate files for one host ("host" or "host:port"). */
  perHostCa?: (host: string) => string[] | undefined;
  /** Client certificate and key files (PEM) for one host ("host" or "host:port"). */
  perHostClientCert?: (host: string) => ClientCertFiles | undefined;
  /** Hosts ("host" for every port, or "host:port") where plain HTTP and unverified TLS are accepted. */
  insecureHosts?: string[];
  /** docker/containers certificate directories holding `HOST[:PORT]/`; default {@link defaultCertsDirs} of $HOME. */
  certsDirs?: string[];
  /** Where the system trust store is read from; default this process's environment and OS. */
  systemTrust?: SystemTrustOptions;
  /** DNS lookup for every connection regctl opens (tests map names to 127.0.0.1); default the OS resolver. */
  lookup?: LookupFunction;
  /** Sink for --debug lines (which trust store was read); none when absent. */
  debug?: (line: string) => void;
  /** Milliseconds a TCP connect plus TLS handshake may take; default 10 000. */
  connectTimeoutMs?: number;
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

/**
 * Gives an error raised while connecting a `code`, so undici's retry interceptor (which retries
 * errors without one) does not retry what another attempt cannot fix: a bad CA file, a refusing proxy.
 */
export function finalConnectError<E extends Error>(err: E, code: string): E {
  if (typeof (err as { code?: unknown }).code !== 'string') Object.assign(err, { code });
  return err;
}

/** What a connector is asked for: undici's connect options, plus socket options for this one connection. */
export type ConnectOptions = SocketTarget & {
  host?: string;
  /**
   * Extra `net.connect`/`tls.connect` options for this connection only (the blob fast path's `onread`);
   * left out of a connection to a proxy, and ignored by TLS over a tunnel (Node reads such a socket by events).
   */
  socketOptions?: Record<string, unknown>;
};

/** A `connect` function as undici's Agent takes it, that also takes {@link ConnectOptions.socketOptions}. */
export type Connector = (opts: ConnectOptions, callback: SocketCallback) => void;

/** A failed TLS connection, noting the CA files configured for the host (for the error message). */
export interface TrustAnnotated {
  regctlTrust?: { hostFiles: string[] };
}

/** The connector of one host, the options it was built with, and the CA files configured for the host. */
interface HostConnector {
  options: SocketConnectOptions;
  hostFiles: string[];
}

/**
 * An undici `connect` function that picks TLS options per host (SPEC §5): the system store, Node's
 * roots, NODE_EXTRA_CA_CERTS, --ca-cert, the config's `ca` and certs.d CAs; the config's or
 * certs.d's client certificate; and, for insecure hosts only, no certificate verification (as docker
 * does for --insecure-registry). Files are read at the first TLS connection to a host, not before.
 */
export function createConnector(settings: TlsSettings): Connector {
  const contexts = new SecureContexts({
    ...(settings.caCertFiles ? { caCertFiles: settings.caCertFiles } : {}),
    ...(settings.systemTrust ? { systemTrust: settings.systemTrust } : {}),
    ...(settings.debug ? { debug: settings.debug } : {}),
  });
  let certsDirs = settings.certsDirs;
  const dirs = (): string[] => {
    const env = settings.systemTrust?.env ?? process.env;
    certsDirs ??= defaultCertsDirs({ home: env['HOME'] || homedir() });
    return certsDirs;
  };
  const timing = settings.connectTimeoutMs !== undefined ? { timeout: settings.connectTimeoutMs } : {};
  const plainOptions = { ...timing, ...(settings.lookup ? { lookup: settings.lookup } : {}) };
  const byHost = new Map<string, HostConnector>();
  const forHost = (bare: string, port: string): HostConnector => {
    // undici hands IPv6 hosts over without brackets; config keys and certs.d names have them.
    const hostname = isIP(bare) === 6 ? `[${bare}]` : bare;
    const key = port ? `${hostname}:${port}` : hostname;
    let chosen = byHost.get(key);
    if (chosen) return chosen;
    const perHost = <T>(fn: ((h: string) => T | undefined) | undefined): T | undefined => fn?.(key) ?? (port ? fn?.(hostname) : undefined);
    const fromDirs = hostCertificates(dirs(), key);
    const hostFiles = [...(perHost(settings.perHostCa) ?? []), ...fromDirs.caFiles];
    const client = perHost(settings.perHostClientCert) ?? fromDirs.client;
    const insecure = isInsecureHost(settings.insecureHosts, key);
    const tls: ConnectionOptions = {
      secureContext: contexts.context({ caFiles: hostFiles, ...(client ? { client } : {}) }, !insecure),
      ...(insecure ? { rejectUnauthorized: false } : {}),
    };
    chosen = { options: { ...plainOptions, tls, sessions: new TlsSessions() }, hostFiles };
    byHost.set(key, chosen);
    return chosen;
  };
  return (opts, callback) => {
    const own = opts.socketOptions ? { socketOptions: opts.socketOptions } : {};
    if (opts.protocol !== 'https:') {
      openSocket(opts, { ...plainOptions, ...own }, callback);
      return;
    }
    let chosen: HostConnector;
    try {
      chosen = forHost(opts.hostname, opts.port ?? '');
    } catch (err) {
      callback(finalConnectError(err as Error, 'REGCTL_TLS_SETTINGS'), null);
      return;
    }
    openSocket(opts, { ...chosen.options, ...own }, (err, socket) => {
      if (err) (err as Error & TrustAnnotated).regctlTrust = { hostFiles: chosen.hostFiles };
      callback(err, socket);
    });
  };
}
