import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the system trust store is read from; every field has a default for the running process. */
export interface SystemTrustOptions {
  /** Environment holding SSL_CERT_FILE and SSL_CERT_DIR; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Platform whose OS store is used; default process.platform. */
  platform?: NodeJS.Platform;
  /** Directory the OS bundle paths are taken under (tests point it at a temp dir); default "/". */
  root?: string;
  /** The OS store as PEM strings on macOS and Windows; default Node's tls.getCACertificates('system') where the runtime has it. */
  osStore?: () => string[] | undefined;
}

/** The certificates of the system trust store and the files or stores they came from. */
export interface SystemTrust {
  /** PEM certificates, one per entry. */
  certificates: string[];
  /** The files, directories or store names read, for messages. */
  sources: string[];
}

/**
 * Bundles the Go standard library reads on Linux and the BSDs (crypto/x509 root_linux.go, root_bsd.go);
 * the first that exists is the OS bundle.
 */
export const OS_BUNDLES: readonly string[] = [
  'etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  'etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  'etc/ssl/ca-bundle.pem', // openSUSE
  'etc/pki/tls/cacert.pem', // OpenELEC
  'etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7+
  'etc/ssl/cert.pem', // Alpine, macOS, OpenBSD
  'usr/local/etc/ssl/cert.pem', // FreeBSD
  'usr/local/share/certs/ca-root-nss.crt', // DragonFly
];

/** Directories of single certificates, read only when no bundle exists (Go reads them too, for SLES 10/11). */
export const OS_CERT_DIRS: readonly string[] = ['etc/ssl/certs', 'etc/pki/tls/certs'];

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/g;

/** The PEM certificate blocks in a text; anything else in it (comments, keys, trust attributes) is left out. */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // As OpenSSL and Go do, an unreadable store entry is skipped: it must not break every connection.
    return undefined;
  }
}

/** Certificates in every `*.pem`, `*.crt` and OpenSSL hash-named (`a1b2c3d4.0`) file of a directory. */
function readCertDir(dir: string): string[] | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  const out: string[] = [];
  for (const n of names) {
    if (!/\.(pem|crt)$/i.test(n) && !/^[0-9a-f]{8}\.\d+$/i.test(n)) continue;
    const text = readText(join(dir, n));
    if (text) out.push(...pemCertificates(text));
  }
  return out;
}

function defaultOsStore(): string[] | undefined {
  // node:tls is loaded here, not at start-up: a run over plain HTTP never needs it.
  const get = (process.getBuiltinModule('node:tls') as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  // Node 22.15+/23.5+ read the macOS keychain and the Windows store; Node 20 has no such call.
  return typeof get === 'function' ? get('system') : undefined;
}

/**
 * Reads the system trust store as the Go tools find it: `SSL_CERT_FILE` and `SSL_CERT_DIR`
 * (colon-separated) when set; else on macOS and Windows the OS store (where Node can read it), and
 * elsewhere the first OS bundle of {@link OS_BUNDLES}, or the certificate directories when there is none.
 */
export function systemCertificates(options: SystemTrustOptions = {}): SystemTrust {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const root = options.root ?? '/';
  const certificates: string[] = [];
  const sources: string[] = [];
  const certFile = env['SSL_CERT_FILE'];
  const certDir = env['SSL_CERT_DIR'];
  if (certFile || certDir) {
    const text = certFile ? readText(certFile) : undefined;
    if (certFile && text !== undefined) {
      certificates.push(...pemCertificates(text));
      sources.push(certFile);
    }
    for (const dir of (certDir ?? '').split(':').filter(Boolean)) {
      const found = readCertDir(dir);
      if (found) {
        certificates.push(...found);
        sources.push(dir);
      }
    }
    return { certificates, sources };
  }
  if (platform === 'darwin' || platform === 'win32') {
    const store = (options.osStore ?? defaultOsStore)();
    if (store) {
      certificates.push(...store);
      sources.push(platform === 'darwin' ? 'the macOS keychain' : 'the Windows certificate store');
    }
    return { certificates, sources };
  }
  for (const rel of OS_BUNDLES) {
    const file = join(root, rel);
    const text = readText(file);
    if (text === undefined) continue;
    certificates.push(...pemCertificates(text));
    sources.push(file);
    return { certificates, sources };
  }
  for (const rel of OS_CERT_DIRS) {
    const dir = join(root, rel);
    const found = readCertDir(dir);
    if (found?.length) {
      certificates.push(...found);
      sources.push(dir);
    }
  }
  return { certificates, sources };
}
