import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadArchive } from '../../src/archive/load-archive.js';
import { planSave } from '../../src/archive/save-plan.js';
import { writeArchiveFile } from '../../src/archive/write-archive.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { buildRandomImage } from '../support/random-image.js';
import { tempDir } from '../support/cli.js';

const LAYER = 96 * 1024 * 1024;

test('save and load stream: memory stays flat with a 96 MiB layer', async () => {
  const work = tempDir('regctl-archive-stream-');
  try {
    const src = await LayoutStore.open(join(work.dir, 'src'), { create: true });
    const img = await buildRandomImage(src, { seed: 'big', layers: 1, layerSize: LAYER, gzipLevel: 0 });
    await src.tag(img.manifest, 'docker.io/library/big:1');
    const file = join(work.dir, 'big.tar');
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      await writeArchiveFile(src, await planSave(src, [{ name: 'docker.io/library/big:1', descriptor: img.manifest }]), file);
      assert.ok(statSync(file).size > LAYER);
      const dst = await LayoutStore.open(join(work.dir, 'dst'), { create: true });
      const loaded = await loadArchive(dst, createReadStream(file));
      assert.deepEqual(
        loaded.map((l) => [l.name, l.descriptor.digest]),
        [['docker.io/library/big:1', img.manifest.digest]],
      );
      assert.ok(await dst.exists(img.layers[0]!));
    } finally {
      clearInterval(timer);
    }
    const grew = (peak - base) / 1024 / 1024;
    assert.ok(grew < 48, `rss grew by ${grew.toFixed(1)} MiB while moving a ${LAYER / 1024 / 1024} MiB layer`);
  } finally {
    work.remove();
  }
});
