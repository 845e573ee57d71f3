import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RegctlError } from '../errors.js';

/** Where the per-host certificate directories are; both fields have defaults. */
export interface CertsDirsOptions {
  /** The user's home directory; its `.config/containers/certs.d` is left out when absent. */
  home?: string;
  /** Directory the `/etc` paths are taken under (unit tests point it at a temp dir); default "/". */
  root?: string;
}

/** A client certificate and its key, as PEM files. */
export interface ClientCertFiles {
  certFile: string;
  keyFile: string;
}

/** What the certificate directories hold for one host. */
export interface HostCertificates {
  /** Every `*.crt` file: CAs trusted for this host. */
  caFiles: string[];
  /** The first `NAME.cert` + `NAME.key` pair (containers' `client.cert` + `client.key`), if any. */
  client?: ClientCertFiles;
}

/**
 * The certificate directories of docker and of containers (podman, buildah, skopeo), in the order a
 * client certificate is taken from them: `~/.config/containers/certs.d`, `/etc/containers/certs.d`,
 * `/etc/docker/certs.d` (containers-certs.d(5) reads them in this order too).
 */
export function defaultCertsDirs(options: CertsDirsOptions = {}): string[] {
  const root = options.root ?? '/';
  return [
    ...(options.home ? [join(options.home, '.config', 'containers', 'certs.d')] : []),
    join(root, 'etc', 'containers', 'certs.d'),
    join(root, 'etc', 'docker', 'certs.d'),
  ];
}

/**
 * Reads `DIR/HOST[:PORT]/` under each certificate directory, as docker does: every `*.crt` is a CA,
 * `NAME.cert` with `NAME.key` a client certificate; a `.cert` without its `.key` (or the reverse) is
 * a usage error naming the file. CAs add up across directories; the first client certificate wins.
 */
export function hostCertificates(dirs: readonly string[], hostPort: string): HostCertificates {
  const caFiles: string[] = [];
  let client: ClientCertFiles | undefined;
  for (const base of dirs) {
    const dir = join(base, hostPort);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    const has = new Set(names);
    for (const n of names) {
      if (n.endsWith('.crt')) caFiles.push(join(dir, n));
      else if (n.endsWith('.cert')) {
        const key = `${n.slice(0, -5)}.key`;
        if (!has.has(key))
          throw new RegctlError('usage', `missing key ${join(dir, key)} for client certificate ${join(dir, n)} (CA certificates must end in .crt)`);
        client ??= { certFile: join(dir, n), keyFile: join(dir, key) };
      } else if (n.endsWith('.key')) {
        const cert = `${n.slice(0, -4)}.cert`;
        if (!has.has(cert)) throw new RegctlError('usage', `missing client certificate ${join(dir, cert)} for key ${join(dir, n)}`);
      }
    }
  }
  return client ? { caFiles, client } : { caFiles };
}
