import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy, skopeoInspect } from '../support/skopeo.js';
import { umociLs } from '../support/tools.js';
import { blobUploads, credEnv, mounts, regctl, seedImage, seedIndex, skopeoDigest, THREE_PLATFORMS } from './push-support.js';

describe('regctl push against the distribution registry', { timeout: 120_000 }, () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let tok: RunningRegistry;
  let basic: RunningRegistry;
  let image: RandomImage;
  let index: RandomIndex;
  const cache = tempDir('regctl-push-cache-');
  const work = tempDir('regctl-push-work-');
  const C = ['--cache-dir', cache.dir, '--progress', 'plain'];

  before(async () => {
    [a, b, tok, basic] = await Promise.all([
      startRegistry({ mode: 'open' }),
      startRegistry({ mode: 'open' }),
      startRegistry({ mode: 'token' }),
      startRegistry({ mode: 'basic' }),
    ]);
    // Layers over 1 MiB, so a 512 KiB chunk size gives several PATCHes per layer.
    image = await seedImage(a, 'src/app:v1', { seed: 'push-image', layers: 2, layerSize: 1_200_000 });
    index = await seedIndex(a, 'src/multi:v1', { seed: 'push-index', platforms: THREE_PLATFORMS });
    await regctl([...C, 'pull', `${a.host}/src/app:v1`]);
    await regctl([...C, 'pull', '--all-platforms', `${a.host}/src/multi:v1`]);
  });

  after(async () => {
    await Promise.all([a, b, tok, basic].map((r) => r?.stop()));
    cache.remove();
    work.remove();
  });

  it('pushes a pulled image to another registry with its digest; skopeo reads and copies it', async () => {
    await regctl([...C, 'tag', `${a.host}/src/app:v1`, `${b.host}/team/app:v1`]);
    await b.clearAccessLog();
    const r = await regctl([...C, 'push', `${b.host}/team/app:v1`]);
    assert.equal(r.stdout, `v1: digest: ${image.manifest.digest} size: ${image.manifest.size}\n`);
    assert.match(r.stderr, /The push refers to repository \[127\.0\.0\.1:\d+\/team\/app\]/);
    assert.equal((r.stderr.match(/: Pushed$/gm) ?? []).length, 2, r.stderr);
    assert.equal(await skopeoDigest(b, 'team/app:v1'), image.manifest.digest);
    const out = join(work.dir, 'from-b');
    await skopeoCopy(`docker://${b.host}/team/app:v1`, `oci:${out}:v1`);
    assert.deepEqual(await umociLs(out), ['v1']);
    const log = await b.accessLog();
    // Manifest PUTs come after every blob upload (manifests last).
    const lastBlob = log.map((e) => /\/blobs\/uploads\//.test(e.path) && e.method === 'PUT').lastIndexOf(true);
    const firstManifest = log.findIndex((e) => e.method === 'PUT' && /\/manifests\//.test(e.path));
    assert.ok(lastBlob >= 0 && firstManifest > lastBlob, 'manifest PUT after the blob uploads');
  });

  it('pushing again uploads no blob', async () => {
    await b.clearAccessLog();
    const r = await regctl([...C, 'push', `${b.host}/team/app:v1`]);
    assert.equal(r.stdout, `v1: digest: ${image.manifest.digest} size: ${image.manifest.size}\n`);
    assert.equal((r.stderr.match(/: Layer already exists$/gm) ?? []).length, 2, r.stderr);
    const log = await b.accessLog();
    assert.deepEqual(blobUploads(log), []);
    assert.equal(log.filter((e) => e.method === 'POST').length, 0);
  });

  it('pushing into another repository of the same registry mounts instead of uploading', async () => {
    await regctl([...C, 'tag', `${a.host}/src/app:v1`, `${b.host}/other/app:v2`]);
    await b.clearAccessLog();
    const r = await regctl([...C, 'push', `${b.host}/other/app:v2`]);
    assert.equal((r.stderr.match(/: Mounted from team\/app$/gm) ?? []).length, 2, r.stderr);
    const log = await b.accessLog();
    const m = mounts(log);
    assert.equal(m.length, 3, 'config and two layers mounted');
    assert.ok(m.every((e) => e.status === 201 && e.query.includes('from=team%2Fapp')));
    assert.deepEqual(blobUploads(log), []);
    assert.equal(await skopeoDigest(b, 'other/app:v2'), image.manifest.digest);
  });

  it('records blob sources outside the layout, which umoci still accepts', async () => {
    const layer = image.layers[0]!.digest.slice('sha256:'.length);
    const text = await readFile(join(cache.dir, '.regctl', 'blob-sources', 'sha256', layer), 'utf8');
    const lines = new Set(text.trim().split('\n'));
    assert.ok(lines.has(`${a.host}/src/app`) && lines.has(`${b.host}/team/app`) && lines.has(`${b.host}/other/app`), text);
    assert.ok((await umociLs(cache.dir)).length >= 2);
  });

  it('-q prints only the full repository and digest', async () => {
    // No --progress: with -q the default display is off.
    const r = await regctl(['--cache-dir', cache.dir, '-q', 'push', `${b.host}/team/app:v1`]);
    assert.equal(r.stdout, `${b.host}/team/app@${image.manifest.digest}\n`);
    assert.equal(r.stderr, '');
  });

  it('pushes a whole index, children before the index, digest preserved', async () => {
    await regctl([...C, 'tag', `${a.host}/src/multi:v1`, `${b.host}/multi:v1`]);
    await b.clearAccessLog();
    const r = await regctl([...C, 'push', `${b.host}/multi:v1`]);
    assert.equal(r.stdout, `v1: digest: ${index.index.digest} size: ${index.index.size}\n`);
    assert.equal(await skopeoDigest(b, 'multi:v1'), index.index.digest);
    const puts = (await b.accessLog()).filter((e) => e.method === 'PUT' && /\/manifests\//.test(e.path)).map((e) => e.path.split('/').pop());
    assert.deepEqual(puts.slice(-2), [index.index.digest, 'v1'], 'index after its children, then the tag');
    assert.deepEqual(new Set(puts.slice(0, 3)), new Set(index.images.map((i) => i.manifest.digest)));
  });

  it('uploads in chunks above the threshold; skopeo verifies the result', async () => {
    // A registry that has never seen these blobs, so nothing is skipped or mounted.
    const c = await startRegistry({ mode: 'open' });
    try {
      await regctl([...C, 'tag', `${a.host}/src/app:v1`, `${c.host}/chunked/app:v1`]);
      await c.clearAccessLog();
      await regctl([...C, 'push', '--chunked-above', '0', '--chunk-size', '512KiB', `${c.host}/chunked/app:v1`]);
      const log = await c.accessLog();
      const patches = log.filter((e) => e.method === 'PATCH');
      // Each ~1.2 MB layer takes 3 PATCHes of at most 512 KiB; the config one.
      assert.equal(patches.length, 7, JSON.stringify(log.map((e) => `${e.method} ${e.path}`)));
      assert.ok(patches.every((e) => e.status === 202));
      assert.equal(log.filter((e) => e.method === 'PUT' && /\/blobs\/uploads\//.test(e.path) && e.query.includes('digest=')).length, 3);
      assert.equal(await skopeoDigest(c, 'chunked/app:v1'), image.manifest.digest);
      const out = join(work.dir, 'chunked');
      await skopeoCopy(`docker://${c.host}/chunked/app:v1`, `oci:${out}:v1`);
      const cfg = await skopeoInspect(`oci:${out}:v1`, { config: true });
      assert.equal((cfg.json as { config: { Labels: Record<string, string> } }).config.Labels['io.regctl.test.seed'], 'push-image');
    } finally {
      await c.stop();
    }
  });

  it('pushes to a token-auth registry with credentials; without them exits 4', async () => {
    await regctl([...C, 'tag', `${a.host}/src/app:v1`, `${tok.host}/alice/app:v1`]);
    const denied = await regctl([...C, 'push', `${tok.host}/alice/app:v1`], 4);
    assert.match(denied.stderr, /alice\/app/);
    assert.equal(denied.stdout, '');
    const r = await regctl([...C, 'push', `${tok.host}/alice/app:v1`], 0, credEnv(tok));
    assert.equal(r.stdout, `v1: digest: ${image.manifest.digest} size: ${image.manifest.size}\n`);
    assert.equal(await skopeoDigest(tok, 'alice/app:v1'), image.manifest.digest);
    const scopes = tok.token!.requests.map((q) => q.scopes.join(' '));
    assert.ok(
      scopes.some((s) => s.includes('repository:alice/app:pull,push')),
      scopes.join('\n'),
    );
  });

  it('pushes to a basic-auth registry with credentials; without them exits 4', async () => {
    await regctl([...C, 'tag', `${a.host}/src/app:v1`, `${basic.host}/alice/app:v1`]);
    await regctl([...C, 'push', `${basic.host}/alice/app:v1`], 4);
    await regctl([...C, 'push', `${basic.host}/alice/app:v1`], 0, credEnv(basic));
    assert.equal(await skopeoDigest(basic, 'alice/app:v1'), image.manifest.digest);
  });

  it('an image not in the cache exits 3', async () => {
    const r = await regctl([...C, 'push', `${b.host}/nowhere/app:v1`], 3);
    assert.match(r.stderr, /nowhere\/app:v1/);
  });
});
