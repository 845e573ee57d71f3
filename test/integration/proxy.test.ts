import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digest } from '../../src/commands/digest.js';
import type { CommandIo } from '../../src/commands/io.js';
import { pull } from '../../src/commands/pull.js';
import { Session, type SessionOptions } from '../../src/session.js';
import { isolatedEnv, runCli, tempDir } from '../support/cli.js';
import { quietCommandIo } from '../support/cli-io.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { fakeLookup, FAKE_REGISTRY_NAME } from '../support/fake-lookup.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import type { RandomImage } from '../support/random-image.js';
import { cacheEntry, pushImage, showLog, writeConfig } from './pull-helpers.js';

const NAME = FAKE_REGISTRY_NAME;
const dirs: (() => void)[] = [];
function newDir(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.remove);
  return t.dir;
}

/** A CommandIo that keeps stdout lines. */
function memoryIo(): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { ...quietCommandIo(), lines, out: (l) => lines.push(l) };
}

/**
 * Runs one command in-process with a session whose DNS maps registry.regctl.test to 127.0.0.1: the
 * registry then has a non-loopback name, so the proxy rules apply to it (loopback is never proxied).
 */
async function withSession<T>(options: SessionOptions, body: (s: Session) => Promise<T>): Promise<T> {
  const session = await Session.create({
    cacheDir: newDir('regctl-cache-'),
    lookup: fakeLookup({ [NAME]: '127.0.0.1' }),
    ...options,
    env: { ...isolatedEnv(), ...options.env },
  });
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

describe('HTTPS_PROXY: per-registry TLS settings hold on the CONNECT tunnel', () => {
  let tlsReg: RunningRegistry;
  let mtlsReg: RunningRegistry;
  let plainReg: RunningRegistry;
  let proxy: ConnectProxy;
  let img: RandomImage;
  let mimg: RandomImage;
  let pimg: RandomImage;
  const host = (r: RunningRegistry): string => `${NAME}:${r.host.split(':')[1]}`;
  const connects = (): string[] => proxy.log.filter((e) => e.method === 'CONNECT').map((e) => `${e.target} ${e.status}`);

  before(async () => {
    [tlsReg, mtlsReg, plainReg, proxy] = await Promise.all([
      startRegistry({ mode: 'tls', tlsNames: [NAME] }),
      startRegistry({ mode: 'tls', tlsNames: [NAME], clientAuth: true }),
      startRegistry({ mode: 'open' }),
      startConnectProxy({ hosts: { [NAME]: '127.0.0.1' } }),
    ]);
    img = await pushImage(tlsReg, 'secure/app:v1', { seed: 'proxy-tls', layers: 2, layerSize: 2048 });
    mimg = await pushImage(mtlsReg, 'mtls/app:v1', { seed: 'proxy-mtls', layers: 1, layerSize: 2048 });
    pimg = await pushImage(plainReg, 'plain/app:v1', { seed: 'proxy-plain', layers: 1, layerSize: 2048 });
  });
  after(async () => {
    await Promise.all([tlsReg, mtlsReg, plainReg].map((r) => r?.stop()));
    await proxy?.close();
    for (const remove of dirs) remove();
  });

  it('pulls from a private-CA registry with the config\'s per-registry "ca" through the proxy', async () => {
    proxy.log.length = 0;
    const name = `${host(tlsReg)}/secure/app:v1`;
    const configDir = await writeConfig(newDir('regctl-config-'), { registries: { [host(tlsReg)]: { ca: tlsReg.caFile } } });
    await tlsReg.clearAccessLog();
    const cache = newDir('regctl-cache-');
    const result = await withSession({ configDir, cacheDir: cache, env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' } }, (s) =>
      pull(s, { reference: name, quiet: true }, memoryIo()),
    );
    assert.equal(result.digest, img.manifest.digest);
    assert.equal((await cacheEntry(cache, name)).digest, img.manifest.digest);
    assert.ok(connects().length >= 1 && connects().every((c) => c === `${host(tlsReg)} 200`), JSON.stringify(proxy.log));
    const log = await tlsReg.accessLog();
    assert.ok(
      log.some((e) => e.path === '/v2/secure/app/manifests/v1' && e.status === 200),
      showLog(log),
    );
  });

  it('--ca-cert, and the CA in ~/.config/containers/certs.d, through the proxy', async () => {
    proxy.log.length = 0;
    const ref = `${host(tlsReg)}/secure/app:v1`;
    const viaFlag = await withSession({ caCerts: [tlsReg.caFile!], env: { HTTPS_PROXY: proxy.url } }, (s) => digest(s, { reference: ref }, memoryIo()));
    assert.equal(viaFlag.digest, img.manifest.digest);
    const home = newDir('regctl-home-');
    const hostDir = join(home, '.config', 'containers', 'certs.d', host(tlsReg));
    await mkdir(hostDir, { recursive: true });
    await copyFile(tlsReg.caFile!, join(hostDir, 'ca.crt'));
    const viaCertsD = await withSession({ env: { HOME: home, HTTPS_PROXY: proxy.url } }, (s) => digest(s, { reference: ref }, memoryIo()));
    assert.equal(viaCertsD.digest, img.manifest.digest);
    assert.deepEqual(connects(), [`${host(tlsReg)} 200`, `${host(tlsReg)} 200`]);
  });

  it('without any CA for it, the registry behind the proxy is refused: a network error naming it', async () => {
    const ref = `${host(tlsReg)}/secure/app:v1`;
    await assert.rejects(
      withSession({ env: { HTTPS_PROXY: proxy.url } }, (s) => digest(s, { reference: ref }, memoryIo())),
      (err: Error & { exitCode?: number }) => {
        assert.equal(err.exitCode, 5, err.message);
        assert.match(err.message, new RegExp(`TLS certificate of ${host(tlsReg).replace(/\./g, '\\.')} cannot be verified`));
        return true;
      },
    );
  });

  it('mutual TLS through the proxy with client.cert and client.key from certs.d', async () => {
    proxy.log.length = 0;
    const home = newDir('regctl-home-');
    const hostDir = join(home, '.config', 'containers', 'certs.d', host(mtlsReg));
    await mkdir(hostDir, { recursive: true });
    await copyFile(mtlsReg.caFile!, join(hostDir, 'ca.crt'));
    await copyFile(mtlsReg.clientCert!.certFile, join(hostDir, 'client.cert'));
    await copyFile(mtlsReg.clientCert!.keyFile, join(hostDir, 'client.key'));
    const r = await withSession({ env: { HOME: home, HTTPS_PROXY: proxy.url } }, (s) => digest(s, { reference: `${host(mtlsReg)}/mtls/app:v1` }, memoryIo()));
    assert.equal(r.digest, mimg.manifest.digest);
    assert.deepEqual(connects(), [`${host(mtlsReg)} 200`]);
  });

  it('--insecure-registry through the proxy: unverified TLS in the tunnel, plain HTTP forwarded by HTTP_PROXY', async () => {
    proxy.log.length = 0;
    const tlsRef = `${host(tlsReg)}/secure/app:v1`;
    const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
    const viaTls = await withSession({ insecureRegistries: [host(tlsReg)], env }, (s) => digest(s, { reference: tlsRef }, memoryIo()));
    assert.equal(viaTls.digest, img.manifest.digest);
    assert.ok(connects().length >= 1 && connects().every((c) => c === `${host(tlsReg)} 200`), JSON.stringify(proxy.log));

    proxy.log.length = 0;
    const plainRef = `${host(plainReg)}/plain/app:v1`;
    const viaPlain = await withSession({ insecureRegistries: [host(plainReg)], env }, (s) => digest(s, { reference: plainRef }, memoryIo()));
    assert.equal(viaPlain.digest, pimg.manifest.digest);
    // HTTPS is tried first through a tunnel (the registry does not speak TLS), then plain HTTP is forwarded.
    assert.ok(
      proxy.log.some((e) => e.method === 'CONNECT' && e.target === host(plainReg)),
      JSON.stringify(proxy.log),
    );
    assert.ok(
      proxy.log.some((e) => e.method === 'HEAD' && e.target === `http://${host(plainReg)}/v2/plain/app/manifests/v1` && e.status === 200),
      JSON.stringify(proxy.log),
    );
  });

  it('NO_PROXY naming the registry sends it direct', async () => {
    proxy.log.length = 0;
    const ref = `${host(tlsReg)}/secure/app:v1`;
    for (const noProxy of [NAME, '.regctl.test', host(tlsReg)]) {
      const r = await withSession({ caCerts: [tlsReg.caFile!], env: { HTTPS_PROXY: proxy.url, NO_PROXY: noProxy } }, (s) =>
        digest(s, { reference: ref }, memoryIo()),
      );
      assert.equal(r.digest, img.manifest.digest, noProxy);
    }
    assert.deepEqual(proxy.log, []);
  });

  it('loopback registries bypass the proxy even with NO_PROXY empty (the CLI, no name mapping)', async () => {
    proxy.log.length = 0;
    const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '' };
    const port = tlsReg.host.split(':')[1];
    for (const ref of [`${tlsReg.host}/secure/app:v1`, `localhost:${port}/secure/app:v1`]) {
      const r = await runCli(['digest', '--ca-cert', tlsReg.caFile!, ref], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${img.manifest.digest}\n`);
    }
    const plain = await runCli(['digest', `${plainReg.host}/plain/app:v1`], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, `${pimg.manifest.digest}\n`);
    assert.deepEqual(proxy.log, []);
  });

  it('a proxy that is down fails a non-loopback registry at once with one line naming HTTPS_PROXY', async () => {
    const r = await withSession({ caCerts: [tlsReg.caFile!], env: { HTTPS_PROXY: 'http://127.0.0.1:1' } }, (s) =>
      digest(s, { reference: `${host(tlsReg)}/secure/app:v1` }, memoryIo()),
    ).catch((e: Error) => e);
    assert.ok(r instanceof Error);
    assert.match(r.message, /cannot reach the proxy HTTPS_PROXY=http:\/\/127\.0\.0\.1:1: connection refused/);
  });
});
