import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { MemoryStore } from '../../src/content/memory-store.js';
import { readStream } from '../../src/content/read-all.js';
import { MediaType } from '../../src/oci/media-types.js';
import { buildRandomImage, buildRandomIndex } from '../support/random-image.js';
import { readTar } from '../support/tar-entries.js';

test('the same seed gives the same digests; another seed does not', async () => {
  const a = await buildRandomImage(new MemoryStore(), { seed: 42, layers: 2, layerSize: 100_000 });
  const b = await buildRandomImage(new MemoryStore(), { seed: 42, layers: 2, layerSize: 100_000 });
  const c = await buildRandomImage(new MemoryStore(), { seed: 43, layers: 2, layerSize: 100_000 });
  assert.equal(a.manifest.digest, b.manifest.digest);
  assert.deepEqual(a.layers, b.layers);
  assert.notEqual(a.manifest.digest, c.manifest.digest);
  assert.notEqual(a.layers[0]?.digest, a.layers[1]?.digest);
});

test('layers are gzip tars whose diff_ids are in the config, and tar reads them', async () => {
  const store = new MemoryStore();
  const img = await buildRandomImage(store, {
    seed: 'tar',
    layers: 2,
    layerSize: 1000,
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    tag: 't',
  });
  const config = JSON.parse(img.configBytes.toString()) as { architecture: string; variant: string; rootfs: { diff_ids: string[] } };
  assert.equal(config.architecture, 'arm64');
  assert.equal(config.variant, 'v8');
  for (const [i, layer] of img.layers.entries()) {
    assert.equal(layer.mediaType, MediaType.ociLayerGzip);
    const gz = await readStream(await store.fetch(layer), 1 << 20);
    const tarBytes = gunzipSync(gz);
    assert.equal(`sha256:${createHash('sha256').update(tarBytes).digest('hex')}`, config.rootfs.diff_ids[i]);
    const files = (await readTar(tarBytes)).filter((e) => (e.header.type ?? 'file') === 'file');
    assert.deepEqual(
      files.map((e) => [e.header.name, e.header.size, e.body.length]),
      [[`layer-${i}/random.bin`, 1000, 1000]],
    );
  }
  assert.equal((await store.resolve('t')).digest, img.manifest.digest);
});

test('buildRandomIndex stores a multi-platform index and docker media types on request', async () => {
  const store = new MemoryStore();
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];
  const idx = await buildRandomIndex(store, { seed: 'idx', platforms, tag: 'multi', mediaTypes: 'docker' });
  assert.equal(idx.index.mediaType, MediaType.dockerManifestList);
  const doc = JSON.parse(idx.indexBytes.toString()) as { manifests: { digest: string; platform: { architecture: string } }[] };
  assert.deepEqual(
    doc.manifests.map((m) => m.platform.architecture),
    ['amd64', 'arm64'],
  );
  assert.equal(idx.images[0]?.manifest.mediaType, MediaType.dockerManifest);
  assert.notEqual(idx.images[0]?.manifest.digest, idx.images[1]?.manifest.digest);
  assert.equal((await store.resolve('multi')).digest, idx.index.digest);
  const again = await buildRandomIndex(new MemoryStore(), { seed: 'idx', platforms, mediaTypes: 'docker' });
  assert.equal(again.index.digest, idx.index.digest);
});
