import { readFileSync } from 'node:fs';
import type * as Tls from 'node:tls';
import { RegctlError, errnoCode } from '../errors.js';
import type { ClientCertFiles } from './certs-d.js';
import { pemCertificates, systemCertificates, type SystemTrustOptions } from './trust-store.js';

/** node:tls, loaded on the first TLS connection rather than at start-up (plain-HTTP runs never need it). */
function tls(): typeof Tls {
  return process.getBuiltinModule('node:tls');
}

/** The TLS trust of one host: extra CA files on top of the base trust, and a client certificate. */
export interface HostTrust {
  /** CA files (PEM) trusted for this host beyond the base trust. */
  caFiles: readonly string[];
  client?: ClientCertFiles;
}

/** What every verified connection trusts: the system store, Node's bundled roots, NODE_EXTRA_CA_CERTS and --ca-cert files. */
export interface BaseTrustOptions {
  /** --ca-cert files, trusted for every host. */
  caCertFiles?: readonly string[];
  /** Where the system store is read; its env also gives NODE_EXTRA_CA_CERTS. */
  systemTrust?: SystemTrustOptions;
  /** Sink for --debug lines saying what was read. */
  debug?: (line: string) => void;
}

type NativeContext = { addCACert?: (pem: string) => void };

/** Reads a user-named PEM file, failing with a one-line usage error that names it. */
export function readPemFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new RegctlError('usage', `cannot read ${what} file ${file}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
}

/** The certificates of a user-named CA file; one without any is a usage error. */
function caFileCertificates(file: string): string[] {
  const certs = pemCertificates(readPemFile(file, 'CA certificate'));
  if (certs.length === 0) throw new RegctlError('usage', `CA certificate file ${file} holds no PEM certificate`);
  return certs;
}

/**
 * A cheap identity for a PEM certificate: the end of its base64 (the signature), whatever the line
 * length. Normalising whole certificates cost ~13 ms for a system bundle; this costs ~1 ms.
 */
const fingerprint = (pem: string): string => pem.trimEnd().slice(-200).replace(/\s+/g, '').slice(-120);

/**
 * Builds, lazily and once per distinct trust, the TLS secure contexts of one transport. Nothing is
 * read until the first TLS connection: the system store costs a few milliseconds that commands
 * which never reach a registry must not pay.
 */
export class SecureContexts {
  private readonly options: BaseTrustOptions;
  private base: string[] | undefined;
  private readonly contexts = new Map<string, Tls.SecureContext>();

  constructor(options: BaseTrustOptions) {
    this.options = options;
    for (const f of options.caCertFiles ?? []) caFileCertificates(f); // an unreadable --ca-cert fails at once
  }

  /** Certificates trusted beyond Node's bundled roots, for every host. */
  private baseCertificates(): string[] {
    if (this.base) return this.base;
    const env = this.options.systemTrust?.env ?? process.env;
    const system = systemCertificates(this.options.systemTrust);
    const bundled = new Set(tls().rootCertificates.map(fingerprint));
    const seen = new Set<string>();
    const out: string[] = [];
    const add = (pem: string): void => {
      const f = fingerprint(pem);
      if (bundled.has(f) || seen.has(f)) return;
      seen.add(f);
      out.push(pem);
    };
    system.certificates.forEach(add);
    this.options.debug?.(
      `* system trust store: ${system.sources.join(', ') || 'none found'} (${system.certificates.length} certificates, ${out.length} beyond Node's bundled roots)`,
    );
    const extra = env['NODE_EXTRA_CA_CERTS'];
    if (extra) {
      try {
        pemCertificates(readFileSync(extra, 'utf8')).forEach(add);
      } catch {
        // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS.
      }
    }
    for (const f of this.options.caCertFiles ?? []) {
      caFileCertificates(f).forEach(add);
    }
    this.base = out;
    return out;
  }

  /**
   * The secure context for a host's trust, shared by every host with the same settings; with
   * `verify` false (insecure hosts) only the client certificate is set and no CA is read.
   */
  context(trust: HostTrust, verify = true): Tls.SecureContext {
    const key = JSON.stringify([verify && trust.caFiles, trust.client?.certFile, trust.client?.keyFile]);
    let sc = this.contexts.get(key);
    if (sc) return sc;
    const extra = verify ? [...this.baseCertificates(), ...trust.caFiles.flatMap(caFileCertificates)] : [];
    const client = trust.client ? { cert: readPemFile(trust.client.certFile, 'client certificate'), key: readPemFile(trust.client.keyFile, 'client key') } : {};
    try {
      sc = tls().createSecureContext(client);
      const native = (sc as unknown as { context?: NativeContext }).context;
      if (typeof native?.addCACert === 'function') {
        // Adding to a context that holds Node's bundled roots keeps them without parsing them again
        // (the `ca` option replaces them, and re-parsing ~140 roots costs ~20 ms per context).
        for (const pem of extra) native.addCACert(pem);
      } else {
        sc = tls().createSecureContext({ ...client, ca: [...tls().rootCertificates, ...extra] });
      }
    } catch (err) {
      const files = trust.client ? `${trust.client.certFile} and ${trust.client.keyFile}` : trust.caFiles.join(', ');
      throw new RegctlError('usage', `cannot use the TLS files ${files}: ${(err as Error).message}`, { cause: err });
    }
    this.contexts.set(key, sc);
    return sc;
  }
}
