import { mkdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireTool, run } from './tools.js';

/** Files of a throwaway CA and a server certificate it signed. */
export interface TlsMaterial {
  /** PEM certificate of the CA. */
  caFile: string;
  /** PEM private key of the CA. */
  caKeyFile: string;
  /** PEM server certificate with SAN IP:127.0.0.1 and DNS:localhost. */
  certFile: string;
  /** PEM private key of the server certificate. */
  keyFile: string;
  /** Directory holding only `ca.crt`, for `skopeo --cert-dir`. */
  certDir: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates a CA and a server certificate for 127.0.0.1/localhost (and any extra DNS `names`) under `dir` with openssl. */
export async function generateTls(dir: string, names: readonly string[] = []): Promise<TlsMaterial> {
  const openssl = requireTool('openssl');
  await mkdir(dir, { recursive: true });
  const caFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca-key.pem');
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server-key.pem');
  const csrFile = join(dir, 'server.csr');
  const extFile = join(dir, 'server.ext');
  const certDir = join(dir, 'certs.d');

  await run(
    openssl,
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      caKeyFile,
      '-out',
      caFile,
      '-days',
      '2',
      '-subj',
      '/CN=regctl test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { check: true },
  );
  await run(openssl, ['req', '-new', ...EC_KEY, '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=localhost'], { check: true });
  // Go ignores the CN: the SAN is what makes both 127.0.0.1 and localhost verify.
  await writeFile(
    extFile,
    [
      `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...names.map((n) => `DNS:${n}`)].join(',')}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  await run(
    openssl,
    ['x509', '-req', '-in', csrFile, '-CA', caFile, '-CAkey', caKeyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extFile],
    { check: true },
  );
  await mkdir(certDir, { recursive: true });
  await copyFile(caFile, join(certDir, 'ca.crt'));
  return { caFile, caKeyFile, certFile, keyFile, certDir };
}

/** A client certificate and its key, PEM files. */
export interface ClientCertMaterial {
  certFile: string;
  keyFile: string;
}

/** Generates a client certificate (extendedKeyUsage clientAuth) signed by the CA of `tls`, under `dir`. */
export async function generateClientCert(tls: TlsMaterial, dir: string, commonName = 'regctl test client'): Promise<ClientCertMaterial> {
  const openssl = requireTool('openssl');
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, 'client.cert');
  const keyFile = join(dir, 'client.key');
  const csrFile = join(dir, 'client.csr');
  const extFile = join(dir, 'client.ext');
  await run(openssl, ['req', '-new', ...EC_KEY, '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${commonName}`], { check: true });
  await writeFile(extFile, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  await run(
    openssl,
    ['x509', '-req', '-in', csrFile, '-CA', tls.caFile, '-CAkey', tls.caKeyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extFile],
    { check: true },
  );
  return { certFile, keyFile };
}

/** Key pair plus a self-signed certificate, as the registry's token `rootcertbundle` needs. */
export interface SigningMaterial {
  keyFile: string;
  certFile: string;
}

/** Generates a P-256 signing key and a self-signed certificate for it under `dir` with openssl. */
export async function generateSigningCert(dir: string, commonName = 'regctl test token issuer'): Promise<SigningMaterial> {
  const openssl = requireTool('openssl');
  await mkdir(dir, { recursive: true });
  const keyFile = join(dir, 'token-signing-key.pem');
  const certFile = join(dir, 'token-signing-cert.pem');
  await run(openssl, ['req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${commonName}`], { check: true });
  return { keyFile, certFile };
}
