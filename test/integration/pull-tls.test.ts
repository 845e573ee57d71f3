import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import type { RandomImage } from '../support/random-image.js';
import { assertBlobsIntact, cacheEntry, cacheNames, pushImage, writeConfig } from './pull-helpers.js';

const dirs: (() => void)[] = [];
function newDir(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.remove);
  return t.dir;
}

describe('pull from a TLS registry with a private CA', () => {
  let reg: RunningRegistry;
  let img: RandomImage;
  let name: string;
  before(async () => {
    reg = await startRegistry({ mode: 'tls' });
    img = await pushImage(reg, 'secure/app:v1', { seed: 'pull-tls', layers: 2, layerSize: 4096 });
    name = `${reg.host}/secure/app:v1`;
  });
  after(async () => {
    await reg?.stop();
    for (const remove of dirs) remove();
  });

  it('exits 5 naming the certificate problem and --ca-cert when the CA is unknown', async () => {
    const cache = newDir('regctl-pull-cache-');
    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /certificate/i);
    assert.match(r.stderr, /--ca-cert/);
    assert.ok(r.stderr.includes(reg.host), `stderr does not name ${reg.host}: ${r.stderr}`);
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('pulls with --ca-cert', async () => {
    const cache = newDir('regctl-pull-cache-');
    const r = await runCli(['pull', '--ca-cert', reg.caFile!, '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${img.manifest.digest}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    assert.equal((await cacheEntry(cache, name)).digest, img.manifest.digest);
    await assertBlobsIntact(cache);
    assert.deepEqual(await umociLs(cache), [name]);
  });

  it('pulls with the per-registry "ca" of the config file', async () => {
    const cache = newDir('regctl-pull-cache-');
    const config = await writeConfig(newDir('regctl-config-'), { registries: { [reg.host]: { ca: reg.caFile } } });
    const r = await runCli(['pull', '--config', config, '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await cacheEntry(cache, name)).digest, img.manifest.digest);
    await assertBlobsIntact(cache);
  });
});
