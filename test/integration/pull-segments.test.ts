import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli } from '../support/cli.js';
import type { RandomImage } from '../support/random-image.js';
import type { ProxiedRequest, ThrottleOptions, ThrottleProxy } from '../support/throttle-proxy.js';
import { umociLs } from '../support/tools.js';
import { assertBlobsIntact, cacheNames, startLayerFixture, type LayerFixture } from './pull-helpers.js';

const MiB = 1024 * 1024;

const layerGets = (log: ProxiedRequest[], digest: string): ProxiedRequest[] => log.filter((r) => r.method === 'GET' && r.url.endsWith(`/blobs/${digest}`));

/** A bounded range `bytes=A-B` as [A, B+1). */
function bounded(r: ProxiedRequest): [number, number] | undefined {
  const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
  return m ? [Number(m[1]), Number(m[2]) + 1] : undefined;
}

describe('parallel Range segments of one big blob on a capped link (issue 12 item 6)', () => {
  let fx: LayerFixture;
  let img: RandomImage;
  const LAYER = 24 * MiB;
  // Segments are a quarter of the threshold: 2 MiB here, so a small layer shows the behaviour.
  const SPLIT = ['--chunk-threshold', '8MiB', '--chunk-connections', '4'];

  before(async () => {
    fx = await startLayerFixture('split/app:v1', 'pull-segments', LAYER);
    img = fx.img;
  });
  after(() => fx.close());
  const cacheDir = (): string => fx.cacheDir();
  const proxy = (options: ThrottleOptions): Promise<ThrottleProxy> => fx.proxy(options);

  it('a slow stream is split: the rest comes as bounded Range segments, each byte once, stored intact', async () => {
    const p = await proxy({ bytesPerSecond: 3 * MiB });
    const cache = cacheDir();
    const name = `${p.host}/split/app:v1`;
    const r = await runCli([...SPLIT, 'pull', '--progress', 'none', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    const layer = img.layers[0]!;
    const gets = layerGets(p.log, layer.digest);
    const segments = gets.filter((g) => g.range);
    assert.ok(segments.length >= 3, `segments: ${JSON.stringify(gets)}`);
    assert.ok(gets.filter((g) => bounded(g)).length >= 2, 'segments are bounded ranges');
    for (const g of gets) assert.equal(g.status, g.range ? 206 : 200, JSON.stringify(g));
    // The first stream was cut where the segments begin; nothing was fetched twice beyond what was in flight then.
    const moved = gets.reduce((n, g) => n + g.bytes, 0);
    assert.ok(moved < layer.size + 4 * MiB, `moved ${moved} bytes for a ${layer.size}-byte layer`);
    assert.deepEqual(await cacheNames(cache), [name]);
    assert.ok((await assertBlobsIntact(cache)).includes(layer.digest));
    await umociLs(cache);
  });

  it('a registry that ignores Range: the split is abandoned, the one stream goes on, the blob is intact', async () => {
    const p = await proxy({ bytesPerSecond: 6 * MiB, ignoreRange: true });
    const cache = cacheDir();
    const r = await runCli([...SPLIT, 'pull', '--progress', 'none', '--cache-dir', cache, `${p.host}/split/app:v1`]);
    assert.equal(r.code, 0, r.stderr);
    const layer = img.layers[0]!;
    const gets = layerGets(p.log, layer.digest);
    assert.ok(gets.length >= 2, 'a segment was tried');
    assert.ok(gets.every((g) => g.status === 200));
    assert.ok((await assertBlobsIntact(cache)).includes(layer.digest));
    await umociLs(cache);
  });

  it('kill -9 during a split: the next pull fetches only the holes, as ranges', async () => {
    const p = await proxy({ bytesPerSecond: 3 * MiB });
    const cache = cacheDir();
    const name = `${p.host}/split/app:v1`;
    const run = startCli([...SPLIT, 'pull', '--progress', 'none', '--cache-dir', cache, name]);
    const dir = join(cache, '.tmp', 'ingest');
    // Wait until the record shows segments written beyond the hashed prefix.
    for (let waited = 0; ; waited += 50) {
      const record = (await readdir(dir).catch(() => [] as string[])).find((n) => n.endsWith('.json'));
      const doc = record ? await readFile(join(dir, record), 'utf8').then(JSON.parse, () => undefined) : undefined;
      if ((doc?.written?.ranges?.length ?? 0) > 0) break;
      if (waited > 60_000) throw new Error('no split progress recorded');
      await new Promise((res) => setTimeout(res, 50));
    }
    run.child.kill('SIGKILL');
    await run.done;
    await new Promise((res) => setTimeout(res, 200));
    p.log.splice(0);
    p.setRate(undefined);
    const r = await runCli([...SPLIT, 'pull', '--progress', 'none', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    const layer = img.layers[0]!;
    const gets = layerGets(p.log, layer.digest);
    const moved = gets.reduce((n, g) => n + g.bytes, 0);
    assert.ok(
      gets.every((g) => g.range),
      'every request asked for a range',
    );
    assert.ok(moved < layer.size, `moved ${moved} of ${layer.size} bytes`);
    assert.deepEqual(await cacheNames(cache), [name]);
    assert.ok((await assertBlobsIntact(cache)).includes(layer.digest));
    await umociLs(cache);
  });
});
