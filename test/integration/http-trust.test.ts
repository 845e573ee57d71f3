import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { createTransport, type TransportOptions } from '../../src/http/transport.js';
import { RegctlError } from '../../src/errors.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer, sendJson, type ScriptedServer } from '../support/scripted-server.js';
import { generateClientCert, generateTls, type TlsMaterial } from '../support/tls.js';

type T = { after(fn: () => void | Promise<void>): void };

async function tlsServer(t: T, clientAuth = false): Promise<{ tls: TlsMaterial; srv: ScriptedServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-trust-'));
  const tls = await generateTls(join(dir, 'tls'));
  const srv = await startScriptedServer((_q, res) => sendJson(res, 200, { ok: true }), {
    key: readFileSync(tls.keyFile, 'utf8'),
    cert: readFileSync(tls.certFile, 'utf8'),
    ...(clientAuth ? { clientCa: readFileSync(tls.caFile, 'utf8') } : {}),
  });
  t.after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { tls, srv, dir };
}

/** A transport that sees no real system store or certs.d unless the test gives one. */
function transport(t: T, options: Partial<TransportOptions>): ReturnType<typeof createTransport> {
  const tr = createTransport({
    userAgent: 'regctl/test',
    retry: { maxRetries: 0 },
    env: {},
    certsDirs: [],
    systemTrust: { env: {}, platform: 'linux', root: '/nonexistent' },
    ...options,
  });
  t.after(() => tr.close());
  return tr;
}

async function get(tr: ReturnType<typeof createTransport>, url: string): Promise<number> {
  const res = await tr.request({ method: 'GET', url });
  await readStream(res.body, 1 << 20);
  return res.status;
}

function rejectsUnverified(p: Promise<unknown>, hint: RegExp): Promise<void> {
  return assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'network', String(err));
    assert.match(err.message, /cannot be verified/);
    assert.match(err.message, hint);
    return true;
  });
}

test('the system store: SSL_CERT_FILE, SSL_CERT_DIR, the OS bundle and NODE_EXTRA_CA_CERTS are trusted; nothing else is', async (t) => {
  const { tls, srv, dir } = await tlsServer(t);
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, `${rootCertificates.slice(0, 3).join('\n')}\n${readFileSync(tls.caFile, 'utf8')}`);
  const certDir = join(dir, 'certs');
  mkdirSync(certDir);
  copyFileSync(tls.caFile, join(certDir, '0a1b2c3d.0'));
  const osRoot = join(dir, 'root');
  mkdirSync(join(osRoot, 'etc/pki/tls/certs'), { recursive: true });
  copyFileSync(bundle, join(osRoot, 'etc/pki/tls/certs/ca-bundle.crt'));

  await rejectsUnverified(get(transport(t, {}), `${srv.url}/v2/`), /--ca-cert FILE/);
  assert.equal(await get(transport(t, { systemTrust: { env: { SSL_CERT_FILE: bundle }, platform: 'linux', root: '/nonexistent' } }), `${srv.url}/v2/`), 200);
  assert.equal(await get(transport(t, { systemTrust: { env: { SSL_CERT_DIR: certDir }, platform: 'linux', root: '/nonexistent' } }), `${srv.url}/v2/`), 200);
  assert.equal(
    await get(transport(t, { systemTrust: { env: {}, platform: 'linux', root: osRoot } }), `${srv.url}/v2/`),
    200,
    'a CA installed in the OS bundle needs no flag',
  );
  assert.equal(
    await get(transport(t, { systemTrust: { env: { NODE_EXTRA_CA_CERTS: tls.caFile }, platform: 'linux', root: '/nonexistent' } }), `${srv.url}/v2/`),
    200,
  );
  // SSL_CERT_FILE replaces the OS bundle (as in Go): a bundle without the CA leaves it untrusted.
  const other = join(dir, 'other.pem');
  writeFileSync(other, rootCertificates[0]!);
  await rejectsUnverified(
    get(transport(t, { systemTrust: { env: { SSL_CERT_FILE: other }, platform: 'linux', root: osRoot } }), `${srv.url}/v2/`),
    /cannot be verified/,
  );
});

test('the system store is read at the first TLS connection, not before', async (t) => {
  const { tls, srv, dir } = await tlsServer(t);
  const plain = await startScriptedServer((_q, res) => sendJson(res, 200, {}));
  t.after(() => plain.close());
  const lines: string[] = [];
  const bundle = join(dir, 'bundle.pem');
  copyFileSync(tls.caFile, bundle);
  const tr = transport(t, { systemTrust: { env: { SSL_CERT_FILE: bundle } }, debug: (l) => lines.push(l) });
  await get(tr, `${plain.url}/v2/`);
  assert.ok(!lines.some((l) => l.includes('system trust store')), 'plain HTTP reads no trust store');
  await get(tr, `${srv.url}/v2/`);
  await get(tr, `${srv.url}/v2/`);
  assert.equal(lines.filter((l) => l.startsWith('* system trust store')).length, 1, lines.join('\n'));
  assert.match(lines.find((l) => l.startsWith('* system trust store')) ?? '', new RegExp(`${bundle.replace(/\./g, '\\.')} \\(1 certificates`));
});

test('certs.d: HOST:PORT/*.crt is trusted for that host only, and client.cert + client.key make mutual TLS work', async (t) => {
  const { tls, srv, dir } = await tlsServer(t, true);
  const certsD = join(dir, 'certs.d');
  const hostDir = join(certsD, srv.host);
  mkdirSync(hostDir, { recursive: true });
  copyFileSync(tls.caFile, join(hostDir, 'ca.crt'));

  // The CA alone: verified, but the server refuses the handshake without a client certificate.
  await assert.rejects(get(transport(t, { certsDirs: [certsD] }), `${srv.url}/v2/`), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'network', String(err));
    assert.doesNotMatch(err.message, /cannot be verified/);
    return true;
  });
  const client = await generateClientCert(tls, join(dir, 'client'));
  copyFileSync(client.certFile, join(hostDir, 'client.cert'));
  copyFileSync(client.keyFile, join(hostDir, 'client.key'));
  assert.equal(await get(transport(t, { certsDirs: [certsD] }), `${srv.url}/v2/`), 200);
  // The same files under another host's directory do nothing for this one.
  const otherD = join(dir, 'other.d');
  mkdirSync(join(otherD, 'registry.example:5000'), { recursive: true });
  copyFileSync(tls.caFile, join(otherD, 'registry.example:5000', 'ca.crt'));
  await rejectsUnverified(get(transport(t, { certsDirs: [otherD] }), `${srv.url}/v2/`), /--ca-cert/);
});

test('a per-host CA that does not sign the certificate: the message names it instead of suggesting a CA', async (t) => {
  const { srv, dir } = await tlsServer(t);
  const stranger = await generateTls(join(dir, 'stranger'));
  const tr = transport(t, { perHostCa: (h) => (h === srv.host ? [stranger.caFile] : undefined) });
  await rejectsUnverified(get(tr, `${srv.url}/v2/`), new RegExp(`with the CAs configured for it \\(${stranger.caFile.replace(/\./g, '\\.')}\\)`));
  const bad = join(dir, 'bad.pem');
  writeFileSync(bad, 'not a certificate');
  await assert.rejects(get(transport(t, { perHostCa: () => [bad] }), `${srv.url}/v2/`), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'usage', String(err));
    assert.equal(err.message, `CA certificate file ${bad} holds no PEM certificate`);
    return true;
  });
});
