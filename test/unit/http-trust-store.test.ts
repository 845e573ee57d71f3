import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OS_BUNDLES, pemCertificates, systemCertificates } from '../../src/http/trust-store.js';
import { defaultCertsDirs, hostCertificates } from '../../src/http/certs-d.js';
import { RegctlError } from '../../src/errors.js';

/** A syntactically valid PEM block with a recognisable body (not a real certificate: only the text is checked). */
function pem(tag: string): string {
  const body = Buffer.from(`certificate ${tag}`.padEnd(48, '.')).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
}

function tree(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'regctl-trust-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

test('pemCertificates keeps certificate blocks and drops keys, comments and trust attributes', () => {
  const text = `# Issuer: test\n${pem('a')}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${pem('b')}\n`;
  assert.deepEqual(pemCertificates(text), [pem('a'), pem('b')]);
  assert.deepEqual(pemCertificates('not a certificate'), []);
});

test("the OS bundle: the first of the distributions' paths that exists, under an injectable root", (t) => {
  const cases: Array<[string, string]> = [
    ['etc/ssl/certs/ca-certificates.crt', 'debian'],
    ['etc/pki/tls/certs/ca-bundle.crt', 'fedora'],
    ['etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', 'rhel'],
    ['etc/ssl/cert.pem', 'alpine'],
    ['etc/ssl/ca-bundle.pem', 'opensuse'],
  ];
  for (const [rel, tag] of cases) {
    assert.ok(OS_BUNDLES.includes(rel), rel);
    const root = tree(t, { [rel]: pem(tag) });
    const found = systemCertificates({ env: {}, platform: 'linux', root });
    assert.deepEqual(found, { certificates: [pem(tag)], sources: [join(root, rel)] }, tag);
  }
  // Debian's bundle wins over Alpine's path when both exist (Go's order).
  const both = tree(t, { 'etc/ssl/cert.pem': pem('alpine'), 'etc/ssl/certs/ca-certificates.crt': pem('debian') });
  assert.deepEqual(systemCertificates({ env: {}, platform: 'linux', root: both }).certificates, [pem('debian')]);
  // No bundle at all: the single-certificate directories are read instead.
  const dirOnly = tree(t, { 'etc/ssl/certs/one.pem': pem('one'), 'etc/ssl/certs/README': pem('not-read') });
  assert.deepEqual(systemCertificates({ env: {}, platform: 'linux', root: dirOnly }).certificates, [pem('one')]);
  assert.deepEqual(systemCertificates({ env: {}, platform: 'linux', root: tree(t, {}) }), { certificates: [], sources: [] });
});

test('SSL_CERT_FILE and SSL_CERT_DIR replace the OS bundle; the directory gives *.pem, *.crt and hash-named files', (t) => {
  const root = tree(t, {
    'etc/ssl/certs/ca-certificates.crt': pem('os'),
    'mine/bundle.pem': `${pem('f1')}\n${pem('f2')}`,
    'dir1/a.pem': pem('d-pem'),
    'dir1/b.crt': pem('d-crt'),
    'dir1/5ed36f99.0': pem('d-hash'),
    'dir1/notes.txt': pem('d-txt'),
    'dir1/ca.key': pem('d-key'),
    'dir2/c.pem': pem('d2'),
  });
  const file = systemCertificates({ env: { SSL_CERT_FILE: join(root, 'mine/bundle.pem') }, platform: 'linux', root });
  assert.deepEqual(file.certificates, [pem('f1'), pem('f2')]);
  const dir = systemCertificates({ env: { SSL_CERT_DIR: `${join(root, 'dir1')}:${join(root, 'dir2')}` }, platform: 'linux', root });
  assert.deepEqual(dir.certificates, [pem('d-hash'), pem('d-pem'), pem('d-crt'), pem('d2')]);
  const both = systemCertificates({ env: { SSL_CERT_FILE: join(root, 'mine/bundle.pem'), SSL_CERT_DIR: join(root, 'dir2') }, platform: 'linux', root });
  assert.deepEqual(both.certificates, [pem('f1'), pem('f2'), pem('d2')]);
  const missing = systemCertificates({ env: { SSL_CERT_FILE: join(root, 'nope.pem') }, platform: 'linux', root });
  assert.deepEqual(missing, { certificates: [], sources: [] }, 'an unreadable SSL_CERT_FILE is skipped, as OpenSSL does');
});

test('macOS and Windows: the OS store through Node where the runtime has it, never the Linux paths', (t) => {
  const root = tree(t, { 'etc/ssl/cert.pem': pem('file') });
  const mac = systemCertificates({ env: {}, platform: 'darwin', root, osStore: () => [pem('keychain')] });
  assert.deepEqual(mac, { certificates: [pem('keychain')], sources: ['the macOS keychain'] });
  const win = systemCertificates({ env: {}, platform: 'win32', root, osStore: () => [pem('win')] });
  assert.deepEqual(win.certificates, [pem('win')]);
  assert.deepEqual(systemCertificates({ env: {}, platform: 'darwin', root, osStore: () => undefined }).certificates, [], 'Node 20: no system store call');
});

test('certs.d: the home, /etc/containers and /etc/docker directories, under an injectable root', (t) => {
  const root = tree(t, {});
  assert.deepEqual(defaultCertsDirs({ home: '/home/u', root }), [
    '/home/u/.config/containers/certs.d',
    join(root, 'etc/containers/certs.d'),
    join(root, 'etc/docker/certs.d'),
  ]);
  assert.deepEqual(defaultCertsDirs({}), ['/etc/containers/certs.d', '/etc/docker/certs.d']);
});

test('certs.d: *.crt CAs from every directory; the first NAME.cert + NAME.key pair is the client certificate', (t) => {
  const root = tree(t, {
    'home/.config/containers/certs.d/reg.example:5000/client.cert': 'c',
    'home/.config/containers/certs.d/reg.example:5000/client.key': 'k',
    'etc/containers/certs.d/reg.example:5000/ca.crt': pem('containers'),
    'etc/docker/certs.d/reg.example:5000/ca.crt': pem('docker'),
    'etc/docker/certs.d/reg.example:5000/other.crt': pem('docker2'),
    'etc/docker/certs.d/reg.example:5000/docker.cert': 'dc',
    'etc/docker/certs.d/reg.example:5000/docker.key': 'dk',
    'etc/docker/certs.d/reg.example/ca.crt': pem('no-port'),
    'etc/docker/certs.d/docker-only:443/me.cert': 'mc',
    'etc/docker/certs.d/docker-only:443/me.key': 'mk',
  });
  const dirs = defaultCertsDirs({ home: join(root, 'home'), root });
  const found = hostCertificates(dirs, 'reg.example:5000');
  assert.deepEqual(found, {
    caFiles: [
      join(root, 'etc/containers/certs.d/reg.example:5000/ca.crt'),
      join(root, 'etc/docker/certs.d/reg.example:5000/ca.crt'),
      join(root, 'etc/docker/certs.d/reg.example:5000/other.crt'),
    ],
    client: {
      certFile: join(root, 'home/.config/containers/certs.d/reg.example:5000/client.cert'),
      keyFile: join(root, 'home/.config/containers/certs.d/reg.example:5000/client.key'),
    },
  });
  assert.deepEqual(
    hostCertificates(dirs, 'reg.example'),
    { caFiles: [join(root, 'etc/docker/certs.d/reg.example/ca.crt')] },
    'HOST and HOST:PORT are different directories',
  );
  assert.deepEqual(hostCertificates(dirs, 'docker-only:443').client, {
    certFile: join(root, 'etc/docker/certs.d/docker-only:443/me.cert'),
    keyFile: join(root, 'etc/docker/certs.d/docker-only:443/me.key'),
  });
  assert.deepEqual(hostCertificates(dirs, 'unknown.example'), { caFiles: [] });
});

test('certs.d: a client certificate without its key (or the reverse) is a usage error naming the file', (t) => {
  const root = tree(t, { 'd/host/client.cert': 'c', 'e/host/client.key': 'k' });
  assert.throws(
    () => hostCertificates([join(root, 'd')], 'host'),
    (err: unknown) => {
      assert.ok(err instanceof RegctlError && err.kind === 'usage');
      assert.match(err.message, /missing key .*\/d\/host\/client\.key for client certificate .*\/d\/host\/client\.cert/);
      return true;
    },
  );
  assert.throws(() => hostCertificates([join(root, 'e')], 'host'), /missing client certificate .*\/e\/host\/client\.cert for key/);
});
