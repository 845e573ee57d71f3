import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { Cache } from '../../src/layout/cache.js';
import { Annotation } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { buildRandomImage } from '../support/random-image.js';

async function tempCache(t: { after: (fn: () => Promise<void>) => void }): Promise<Cache> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-cache-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return Cache.open(join(dir, 'cache'));
}

const notFound = (err: unknown): boolean => err instanceof RegctlError && err.kind === 'not-found';

test('Cache finds images as docker does: by any form of the name, by digest, by an ID prefix; lists names and unnamed images', async (t) => {
  const cache = await tempCache(t);
  const a = await buildRandomImage(cache.store, { seed: 'cache-a', layers: 1, layerSize: 64 });
  const b = await buildRandomImage(cache.store, { seed: 'cache-b', layers: 1, layerSize: 64 });
  await cache.tag({ ...a.manifest, annotations: { keep: 'me' } }, 'docker.io/library/a:1');
  await cache.tag(a.manifest, 'docker.io/alice/a:2');
  await cache.store.addEntry(b.manifest);
  const byName = await cache.find('a:1');
  assert.equal(byName.name, 'docker.io/library/a:1');
  assert.deepEqual(byName.descriptor.annotations, { keep: 'me' }, 'names are stripped, other annotations kept');
  assert.equal((await cache.find(a.manifest.digest)).name, undefined);
  assert.equal((await cache.find(b.manifest.digest.slice(7, 19))).descriptor.digest, b.manifest.digest);
  await assert.rejects(cache.find('a:3'), (err) => notFound(err) && (err as RegctlError).message === 'no such image: docker.io/library/a:3');
  await assert.rejects(cache.find(sha256Digest('nothing')), notFound);
  assert.equal((await cache.named('docker.io/library/a:1'))?.digest, a.manifest.digest);
  assert.equal(await cache.named('docker.io/library/a:9'), undefined);
  assert.deepEqual((await cache.namesOf(a.manifest.digest)).sort(), ['docker.io/alice/a:2', 'docker.io/library/a:1']);
  assert.deepEqual(
    (await cache.images()).map((i) => [i.name, i.descriptor.digest, i.descriptor.annotations?.[Annotation.refName]]),
    [
      ['docker.io/library/a:1', a.manifest.digest, undefined],
      ['docker.io/alice/a:2', a.manifest.digest, undefined],
      [undefined, b.manifest.digest, undefined],
    ],
  );
  assert.equal((await cache.untag('docker.io/alice/a:2'))?.digest, a.manifest.digest);
  assert.deepEqual(await cache.namesOf(a.manifest.digest), ['docker.io/library/a:1']);
});

test('Cache records blob sources for mounts (blobs only, most recent first)', async (t) => {
  const cache = await tempCache(t);
  const img = await buildRandomImage(cache.store, { seed: 'cache-sources', layers: 1, layerSize: 64 });
  const layer = img.layers[0]!;
  await cache.recordSources('localhost:5000/one')(layer);
  await cache.recordSources('localhost:5000/two')(layer);
  await cache.recordSources('localhost:5000/two')(img.manifest);
  assert.deepEqual(await cache.blobSources(layer.digest), ['localhost:5000/two', 'localhost:5000/one']);
  assert.deepEqual(await cache.blobSources(img.manifest.digest), [], 'manifests are never mounted, so never recorded');
});

test("Cache.withLease keeps a transfer's unnamed blobs from prune until it ends", async (t) => {
  const cache = await tempCache(t);
  let path = '';
  await cache.withLease(async () => {
    const img = await buildRandomImage(cache.store, { seed: 'cache-lease', layers: 1, layerSize: 64 });
    path = cache.store.blobPath(img.layers[0]!.digest);
    assert.equal((await cache.prune()).removed.length, 0);
    assert.ok(existsSync(path));
  });
  const after = await cache.prune();
  assert.equal(after.removed.length, 3, 'layer, config and manifest, once the lease is released');
  assert.ok(!existsSync(path));
});
