import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import type { RandomImage } from '../support/random-image.js';
import { assertBlobsIntact, blobGets, cacheEntry, HOST_ARCH, pushImage, showLog, writeConfig } from './pull-helpers.js';

const NAME = 'docker.io/library/node:latest';

describe('docker.io through a mirror from the config file', () => {
  let reg: RunningRegistry;
  let img: RandomImage;
  let config: string;
  const dirs: (() => void)[] = [];
  const newDir = (prefix: string): string => {
    const t = tempDir(prefix);
    dirs.push(t.remove);
    return t.dir;
  };

  before(async () => {
    reg = await startRegistry({ mode: 'open' });
    img = await pushImage(reg, 'library/node:latest', { seed: 'pull-mirror', layers: 2, layerSize: 4096, platform: { os: 'linux', architecture: HOST_ARCH } });
    config = await writeConfig(newDir('regctl-config-'), { registries: { 'docker.io': { mirrors: [reg.host] } } });
  });
  after(async () => {
    await reg?.stop();
    for (const remove of dirs) remove();
  });

  it('pulls `node` from the mirror and names it docker.io/library/node:latest', async () => {
    const cache = newDir('regctl-pull-cache-');
    await reg.clearAccessLog();
    const r = await runCli(['pull', '--config', config, '--cache-dir', cache, 'node']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${img.manifest.digest}\nStatus: Downloaded newer image for ${NAME}\n${NAME}\n`);
    assert.match(r.stderr, /^latest: Pulling from docker\.io\/library\/node$/m);
    const entry = await cacheEntry(cache, NAME);
    assert.equal(entry.digest, img.manifest.digest);
    assert.equal(entry.annotations?.['io.containerd.image.name'], NAME);
    await assertBlobsIntact(cache);
    assert.deepEqual(await umociLs(cache), [NAME]);
    const log = await reg.accessLog();
    assert.ok(
      log.some((e) => e.method === 'GET' && e.path === '/v2/library/node/manifests/latest' && e.status === 200),
      showLog(log),
    );
    assert.equal(blobGets(log).length, 3, `config and two layers fetched from the mirror:\n${showLog(log)}`);
  });

  it('finds the config through REGCTL_CONFIG_DIR, and a second pull is up to date', async () => {
    const cache = newDir('regctl-pull-cache-');
    const first = await runCli(['pull', '-q', '--cache-dir', cache, 'docker.io/library/node'], { env: { REGCTL_CONFIG_DIR: config } });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `${NAME}\n`);
    await reg.clearAccessLog();
    const second = await runCli(['pull', '--cache-dir', cache, 'node:latest'], { env: { REGCTL_CONFIG_DIR: config } });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`^Status: Image is up to date for ${NAME}$`, 'm'));
    assert.deepEqual(blobGets(await reg.accessLog()), []);
  });
});
