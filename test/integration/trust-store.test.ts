import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir, type CliResult } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import type { RandomImage } from '../support/random-image.js';
import { generateClientCert, generateTls } from '../support/tls.js';
import { cacheEntry, pushImage, writeConfig } from './pull-helpers.js';

const dirs: (() => void)[] = [];
function newDir(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.remove);
  return t.dir;
}

/** The machine's own bundle (when there is one) plus the test CA, as an admin's update-ca-certificates would leave it. */
async function bundleWith(caFile: string): Promise<string> {
  const os = existsSync('/etc/ssl/certs/ca-certificates.crt') ? await readFile('/etc/ssl/certs/ca-certificates.crt', 'utf8') : '';
  const file = join(newDir('regctl-bundle-'), 'ca-certificates.crt');
  await writeFile(file, `${os}\n${await readFile(caFile, 'utf8')}`);
  return file;
}

function assertOneLineTlsFailure(r: CliResult, host: string): void {
  assert.equal(r.code, 5, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /TLS certificate of .* cannot be verified/);
  assert.ok(lines[0]!.includes(host), r.stderr);
}

describe('trust as the Go tools find it: SSL_CERT_FILE, SSL_CERT_DIR and certs.d under HOME', () => {
  let reg: RunningRegistry;
  let img: RandomImage;
  let name: string;
  before(async () => {
    reg = await startRegistry({ mode: 'tls' });
    img = await pushImage(reg, 'secure/app:v1', { seed: 'trust-store', layers: 1, layerSize: 2048 });
    name = `${reg.host}/secure/app:v1`;
  });
  after(async () => {
    await reg?.stop();
    for (const remove of dirs) remove();
  });

  it('without SSL_CERT_FILE, SSL_CERT_DIR or a flag, the private CA is not trusted: exit 5, one line', async () => {
    assertOneLineTlsFailure(await runCli(['digest', name]), reg.host);
  });

  it('trusts a CA in the bundle SSL_CERT_FILE names', async () => {
    const r = await runCli(['digest', name], { env: { SSL_CERT_FILE: await bundleWith(reg.caFile!) } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.manifest.digest}\n`);
  });

  it('trusts a CA in SSL_CERT_DIR (OpenSSL hash-named and *.crt files), and pulls with it', async () => {
    const hashed = newDir('regctl-certdir-');
    await copyFile(reg.caFile!, join(hashed, '9d66eef0.0'));
    const crt = newDir('regctl-certdir-');
    await copyFile(reg.caFile!, join(crt, 'corp-ca.crt'));
    for (const dir of [hashed, `/nonexistent:${crt}`]) {
      const r = await runCli(['digest', name], { env: { SSL_CERT_DIR: dir } });
      assert.equal(r.code, 0, `${dir}: ${r.stderr}`);
      assert.equal(r.stdout, `${img.manifest.digest}\n`);
    }
    const cache = newDir('regctl-cache-');
    const pull = await runCli(['pull', '-q', '--cache-dir', cache, name], { env: { SSL_CERT_DIR: hashed } });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await cacheEntry(cache, name)).digest, img.manifest.digest);
  });

  it('trusts ~/.config/containers/certs.d/HOST:PORT/*.crt for that registry only', async () => {
    const home = newDir('regctl-home-');
    const hostDir = join(home, '.config', 'containers', 'certs.d', reg.host);
    await mkdir(hostDir, { recursive: true });
    await copyFile(reg.caFile!, join(hostDir, 'ca.crt'));
    const r = await runCli(['digest', name], { env: { HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.manifest.digest}\n`);
    // The same registry under another name (localhost:PORT) has no directory, so no trust.
    const port = reg.host.split(':')[1];
    assertOneLineTlsFailure(await runCli(['digest', `localhost:${port}/secure/app:v1`], { env: { HOME: home } }), `localhost:${port}`);
  });
});

describe('mutual TLS (http.tls.clientcas) with the client certificate from certs.d', () => {
  let reg: RunningRegistry;
  let img: RandomImage;
  let name: string;
  before(async () => {
    reg = await startRegistry({ mode: 'tls', clientAuth: true });
    img = await pushImage(reg, 'mtls/app:v1', { seed: 'trust-mtls', layers: 1, layerSize: 2048 });
    name = `${reg.host}/mtls/app:v1`;
  });
  after(async () => {
    await reg?.stop();
    for (const remove of dirs) remove();
  });

  it('pulls with ca.crt, client.cert and client.key in ~/.config/containers/certs.d/HOST:PORT/', async () => {
    const home = newDir('regctl-home-');
    const hostDir = join(home, '.config', 'containers', 'certs.d', reg.host);
    await mkdir(hostDir, { recursive: true });
    await copyFile(reg.caFile!, join(hostDir, 'ca.crt'));
    const refused = await runCli(['digest', name], { env: { HOME: home } });
    assert.equal(refused.code, 5, `no client certificate, no access: ${refused.stderr}`);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);

    await copyFile(reg.clientCert!.certFile, join(hostDir, 'client.cert'));
    await copyFile(reg.clientCert!.keyFile, join(hostDir, 'client.key'));
    const cache = newDir('regctl-cache-');
    const r = await runCli(['pull', '-q', '--cache-dir', cache, name], { env: { HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${name}\n`);
    assert.equal((await cacheEntry(cache, name)).digest, img.manifest.digest);
  });

  it('a client.cert without client.key is a usage error naming the file', async () => {
    const home = newDir('regctl-home-');
    const hostDir = join(home, '.config', 'containers', 'certs.d', reg.host);
    await mkdir(hostDir, { recursive: true });
    await copyFile(reg.clientCert!.certFile, join(hostDir, 'client.cert'));
    const r = await runCli(['digest', name], { env: { HOME: home } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /missing key .*client\.key for client certificate .*client\.cert/);
  });

  it("the config's clientCert/clientKey work too", async () => {
    const config = await writeConfig(newDir('regctl-config-'), {
      registries: { [reg.host]: { ca: reg.caFile, clientCert: reg.clientCert!.certFile, clientKey: reg.clientCert!.keyFile } },
    });
    const r = await runCli(['digest', '--config', config, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.manifest.digest}\n`);
  });

  it("the config's clientCert/clientKey win over a client certificate in certs.d", async () => {
    const stranger = await generateClientCert(await generateTls(newDir('regctl-stranger-ca-')), newDir('regctl-stranger-client-'));
    const home = newDir('regctl-home-');
    const hostDir = join(home, '.config', 'containers', 'certs.d', reg.host);
    await mkdir(hostDir, { recursive: true });
    await copyFile(reg.caFile!, join(hostDir, 'ca.crt'));
    await copyFile(stranger.certFile, join(hostDir, 'client.cert'));
    await copyFile(stranger.keyFile, join(hostDir, 'client.key'));
    const refused = await runCli(['digest', name], { env: { HOME: home } });
    assert.equal(refused.code, 5, `the registry refuses a client certificate from another CA: ${refused.stderr}`);

    const config = await writeConfig(newDir('regctl-config-'), {
      registries: { [reg.host]: { clientCert: reg.clientCert!.certFile, clientKey: reg.clientCert!.keyFile } },
    });
    const r = await runCli(['digest', '--config', config, name], { env: { HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.manifest.digest}\n`);
  });
});
