import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pull } from '../../src/commands/pull.js';
import { Session } from '../../src/session.js';
import { isolatedEnv, runCli, tempDir } from '../support/cli.js';
import { quietCommandIo } from '../support/cli-io.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { fakeLookup, FAKE_REGISTRY_NAME } from '../support/fake-lookup.js';
import type { RandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import { assertBlobsIntact, cacheNames, HOST_ARCH, pushImage } from './pull-helpers.js';

const NAME = FAKE_REGISTRY_NAME;

describe("the blob fast path keeps the transport's connection settings: TLS trust, client certificates, CONNECT tunnels (issue 13)", () => {
  let tlsReg: RunningRegistry;
  let mtlsReg: RunningRegistry;
  let proxy: ConnectProxy;
  let img: RandomImage;
  let mimg: RandomImage;
  const dirs: (() => void)[] = [];
  const newDir = (): string => {
    const t = tempDir('regctl-fast-tls-');
    dirs.push(t.remove);
    return t.dir;
  };
  const port = (r: RunningRegistry): string => r.host.split(':')[1] as string;

  before(async () => {
    [tlsReg, mtlsReg, proxy] = await Promise.all([
      startRegistry({ mode: 'tls', tlsNames: [NAME] }),
      startRegistry({ mode: 'tls', tlsNames: [NAME], clientAuth: true }),
      startConnectProxy({ hosts: { [NAME]: '127.0.0.1' } }),
    ]);
    const platform = { os: 'linux', architecture: HOST_ARCH };
    img = await pushImage(tlsReg, 'fast/app:v1', { seed: 'fast-tls', layers: 2, layerSize: 3 * 1024 * 1024, platform });
    mimg = await pushImage(mtlsReg, 'fast/mtls:v1', { seed: 'fast-mtls', layers: 1, layerSize: 3 * 1024 * 1024, platform });
  });
  after(async () => {
    await Promise.all([tlsReg?.stop(), mtlsReg?.stop(), proxy?.close()]);
    for (const d of dirs) d();
  });

  it('a TLS registry trusted with --ca-cert: blobs come on the fast path and are stored intact', async () => {
    const cache = newDir();
    const name = `${tlsReg.host}/fast/app:v1`;
    const r = await runCli(['--debug', '--ca-cert', tlsReg.caFile as string, 'pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes('socket fast path'), 'the fast path was not used');
    assert.deepEqual(await cacheNames(cache), [name]);
    const blobs = await assertBlobsIntact(cache);
    for (const l of img.layers) assert.ok(blobs.includes(l.digest));
    await umociLs(cache);
  });

  it('through an HTTPS_PROXY CONNECT tunnel, with a client certificate from certs.d (mutual TLS)', async () => {
    const home = newDir();
    const host = `${NAME}:${port(mtlsReg)}`;
    const hostDir = join(home, '.config', 'containers', 'certs.d', host);
    await mkdir(hostDir, { recursive: true });
    await copyFile(mtlsReg.caFile as string, join(hostDir, 'ca.crt'));
    await copyFile(mtlsReg.clientCert!.certFile, join(hostDir, 'client.cert'));
    await copyFile(mtlsReg.clientCert!.keyFile, join(hostDir, 'client.key'));
    const cache = newDir();
    const debug: string[] = [];
    proxy.log.length = 0;
    const session = await Session.create({
      cacheDir: cache,
      lookup: fakeLookup({ [NAME]: '127.0.0.1' }),
      env: { ...isolatedEnv(), HOME: home, HTTPS_PROXY: proxy.url, NO_PROXY: '' },
      debug: (l) => debug.push(l),
    });
    try {
      await pull(session, { reference: `${host}/fast/mtls:v1`, quiet: true }, quietCommandIo());
    } finally {
      await session.close();
    }
    assert.ok(
      debug.some((l) => l.includes('socket fast path')),
      'the fast path was not used',
    );
    assert.ok(proxy.log.filter((e) => e.method === 'CONNECT').every((e) => e.target === host && e.status === 200));
    assert.ok(proxy.log.filter((e) => e.method === 'CONNECT').length >= 2, 'undici and the fast path each opened a tunnel');
    assert.ok((await assertBlobsIntact(cache)).includes(mimg.layers[0]!.digest));
    await umociLs(cache);
  });
});
