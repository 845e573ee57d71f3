import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { listBlobs } from '../../src/layout/blobs.js';
import { prune } from '../../src/layout/gc.js';
import { MediaType } from '../../src/oci/media-types.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { buildRandomImage, buildRandomIndex, type RandomImage } from '../support/random-image.js';
import { tempFiles, tempLayout } from '../support/layout-check.js';
import { umociLs } from '../support/tools.js';

function digestsOf(img: RandomImage): string[] {
  return [img.manifest.digest, img.config.digest, ...img.layers.map((l) => l.digest)];
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('prune', () => {
  test('removes exactly the blobs no name reaches', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const kept = await buildRandomImage(store, { seed: 'keep', layers: 2, layerSize: 3000, tag: 'keep' });
      const dropped = await buildRandomImage(store, { seed: 'drop', layers: 2, layerSize: 3000, tag: 'drop' });
      const multi = await buildRandomIndex(store, {
        seed: 'multi',
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
        tag: 'multi',
      });
      const orphanBytes = Buffer.from('an orphan blob');
      const orphan = { mediaType: MediaType.ociLayer, digest: sha256Digest(orphanBytes), size: orphanBytes.length };
      await store.push(orphan, Readable.from([orphanBytes]));
      await store.untag('drop');

      const result = await prune(store);
      await umociLs(dir);
      const expected = [...digestsOf(dropped), orphan.digest].sort();
      assert.deepEqual(result.removed.map((r) => r.digest).sort(), expected);
      const sizes = [dropped.manifest, dropped.config, ...dropped.layers, orphan].reduce((n, d) => n + d.size, 0);
      assert.equal(result.freedBytes, sizes);

      const left = (await listBlobs(dir)).map((b) => b.digest).sort();
      const reachable = [...digestsOf(kept), multi.index.digest, ...multi.images.flatMap(digestsOf)].sort();
      assert.deepEqual(left, reachable);
      assert.equal((await store.resolve('keep')).digest, kept.manifest.digest);

      const again = await prune(store);
      assert.deepEqual(again.removed, []);
      assert.equal(again.freedBytes, 0);
    } finally {
      await cleanup();
    }
  });

  test('removes temp files of dead writers and old ones, keeps a live fresh one', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      await mkdir(join(dir, '.tmp'), { recursive: true });
      await writeFile(join(dir, '.tmp', `${dead}.aaaa.blob`), 'partial');
      await writeFile(join(dir, '.tmp', `${process.pid}.bbbb.blob`), 'in flight');
      const result = await prune(store);
      assert.equal(result.tempFiles, 1);
      assert.equal(result.tempBytes, 7);
      assert.deepEqual(await tempFiles(dir), [`${process.pid}.bbbb.blob`]);
      const old = await prune(store, { staleTempMs: 0 });
      assert.equal(old.tempFiles, 1);
      assert.deepEqual(await tempFiles(dir), []);
    } finally {
      await cleanup();
    }
  });

  test('keepNewerThanMs spares a blob just written', async () => {
    const { store, cleanup } = await tempLayout();
    try {
      const img = await buildRandomImage(store, { seed: 'fresh', layers: 1, layerSize: 10 });
      const result = await prune(store, { keepNewerThanMs: 60_000 });
      assert.deepEqual(result.removed, []);
      assert.equal(await store.exists(img.manifest), true);
    } finally {
      await cleanup();
    }
  });

  test('prune and tag take turns: a tag queued before prune keeps its blobs, one after it fails cleanly', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const first = await buildRandomImage(store, { seed: 'turn-1', layers: 2, layerSize: 500 });
      const second = await buildRandomImage(store, { seed: 'turn-2', layers: 2, layerSize: 500 });
      // Started together; the index lock serialises them in call order.
      const [tagged, pruned, late] = await Promise.allSettled([store.tag(first.manifest, 'first'), prune(store), store.tag(second.manifest, 'second')]);
      assert.equal(tagged.status, 'fulfilled');
      assert.equal(pruned.status, 'fulfilled');
      assert.equal((await store.resolve('first')).digest, first.manifest.digest);
      for (const d of [first.manifest, first.config, ...first.layers]) assert.equal(await store.exists(d), true, d.digest);
      assert.deepEqual(
        (pruned as PromiseFulfilledResult<Awaited<ReturnType<typeof prune>>>).value.removed.map((r) => r.digest).sort(),
        digestsOf(second).sort(),
      );
      assert.equal(late.status, 'rejected');
      assert.equal((late as PromiseRejectedResult).reason.kind, 'not-found');
      await umociLs(dir);
      assert.equal(await fileExists(join(dir, 'index.json.lock')), false);
    } finally {
      await cleanup();
    }
  });
});
