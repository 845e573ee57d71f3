import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli } from '../support/cli.js';
import type { RandomImage } from '../support/random-image.js';
import type { ProxiedRequest, ThrottleOptions, ThrottleProxy } from '../support/throttle-proxy.js';
import { umociLs } from '../support/tools.js';
import { assertBlobsIntact, cacheNames, startLayerFixture, type LayerFixture } from './pull-helpers.js';

const MiB = 1024 * 1024;

/** The record of the one partial blob in a cache, once it says some bytes are kept. */
async function keptOffset(cache: string): Promise<number | undefined> {
  const dir = join(cache, '.tmp', 'ingest');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    try {
      const r = JSON.parse(await readFile(join(dir, n), 'utf8')) as { written?: { offset: number }; synced?: { offset: number } };
      const offset = Math.max(r.written?.offset ?? 0, r.synced?.offset ?? 0);
      if (offset > 0) return offset;
    } catch {
      // being replaced right now
    }
  }
  return undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const layerGets = (log: ProxiedRequest[], digest: string): ProxiedRequest[] => log.filter((r) => r.method === 'GET' && r.url.endsWith(`/blobs/${digest}`));

describe('a killed pull resumes where it stopped (SPEC §6; issue 12 item 5)', () => {
  let fx: LayerFixture;
  let img: RandomImage;
  const LAYER = 40 * MiB;

  before(async () => {
    fx = await startLayerFixture('resume/app:v1', 'pull-resume', LAYER);
    img = fx.img;
  });
  after(() => fx.close());
  const cacheDir = (): string => fx.cacheDir();
  const proxy = (options: ThrottleOptions): Promise<ThrottleProxy> => fx.proxy(options);

  /** Bytes in the partial blob's data file now (what the killed pull had fetched, at least). */
  const dataBytes = async (cache: string): Promise<number> => {
    const dir = join(cache, '.tmp', 'ingest');
    const data = (await readdir(dir).catch(() => [] as string[])).find((n) => n.endsWith('.data'));
    return data ? (await stat(join(dir, data))).size : 0;
  };
  let fetchedBeforeKill = 0;

  /** Starts a pull through `p`, kills it with SIGKILL once its partial blob records kept bytes, and returns them. */
  const killMidBlob = async (p: ThrottleProxy, cache: string): Promise<number> => {
    const run = startCli(['pull', '--progress', 'none', '--cache-dir', cache, `${p.host}/resume/app:v1`]);
    let kept: number;
    try {
      kept = await waitFor('a partial blob with kept bytes', () => keptOffset(cache));
      fetchedBeforeKill = await dataBytes(cache);
    } finally {
      run.child.kill('SIGKILL');
    }
    const r = await run.done;
    assert.notEqual(r.code, 0, 'the pull was killed before it finished');
    // The proxy logs the killed GET once it notices the client is gone.
    await waitFor('the killed GET in the proxy log', async () => (layerGets(p.log, img.layers[0]!.digest).length > 0 ? true : undefined));
    return kept;
  };

  it('kill -9 mid-blob: the next pull asks for the rest with Range from the kept offset and moves only that', async () => {
    const p = await proxy({ bytesPerSecond: 8 * MiB });
    const cache = cacheDir();
    const layer = img.layers[0]!;
    const kept = (await killMidBlob(p, cache)) as number;
    assert.ok(kept > 0 && kept < layer.size, `kept ${kept} of ${layer.size}`);
    p.log.splice(0);
    p.setRate(undefined);
    const name = `${p.host}/resume/app:v1`;
    const r = await runCli(['pull', '--progress', 'none', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    const gets = layerGets(p.log, layer.digest);
    assert.equal(gets.length, 1, JSON.stringify(gets));
    const [get] = gets as [ProxiedRequest];
    // The record may have moved on after it was read, never backwards: the Range starts at or after `kept`.
    const from = Number(/^bytes=(\d+)-$/.exec(get.range ?? '')?.[1]);
    assert.ok(from >= kept, `resumed with ${get.range} but ${kept} bytes were kept`);
    assert.equal(get.status, 206);
    assert.equal(get.bytes, layer.size - from, 'only the missing bytes moved');
    // At most the bytes the killed pull had not fetched, plus what it wrote after its last record (one sync interval).
    assert.ok(get.bytes <= layer.size - fetchedBeforeKill + 16 * MiB, `moved ${get.bytes}; ${fetchedBeforeKill} had been fetched`);
    assert.ok(get.ifRange, 'the kept bytes were checked with If-Range');
    assert.deepEqual(await cacheNames(cache), [name]);
    assert.ok((await assertBlobsIntact(cache)).includes(layer.digest));
    await umociLs(cache);
    assert.deepEqual(await readdir(join(cache, '.tmp', 'ingest')), [], 'the partial is gone once the blob is stored');
  });

  it('Ctrl-C: the interrupt line, and a record that keeps every byte fetched; the next pull asks for exactly the rest', async () => {
    const p = await proxy({ bytesPerSecond: 8 * MiB });
    const cache = cacheDir();
    const name = `${p.host}/resume/app:v1`;
    const run = startCli(['pull', '--progress', 'plain', '--cache-dir', cache, name]);
    await waitFor('a partial blob with kept bytes', () => keptOffset(cache));
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /pull of .* interrupted; .* kept for the next run/);
    const held = await dataBytes(cache);
    assert.equal(await keptOffset(cache), held, 'the record claims exactly the bytes in the file');
    await waitFor('the interrupted GET in the proxy log', async () => (layerGets(p.log, img.layers[0]!.digest).length > 0 ? true : undefined));
    p.log.splice(0);
    p.setRate(undefined);
    const again = await runCli(['pull', '--progress', 'none', '--cache-dir', cache, name]);
    assert.equal(again.code, 0, again.stderr);
    const gets = layerGets(p.log, img.layers[0]!.digest);
    assert.deepEqual(
      gets.map((g) => [g.range, g.bytes]),
      [[`bytes=${held}-`, img.layers[0]!.size - held]],
    );
    assert.ok((await assertBlobsIntact(cache)).includes(img.layers[0]!.digest));
  });

  it('a server that ignores Range: the next pull takes the whole blob again (200) and stores it right', async () => {
    const p = await proxy({ bytesPerSecond: 8 * MiB, ignoreRange: true });
    const cache = cacheDir();
    const layer = img.layers[0]!;
    await killMidBlob(p, cache);
    p.log.splice(0);
    p.setRate(undefined);
    const r = await runCli(['pull', '--progress', 'none', '--cache-dir', cache, `${p.host}/resume/app:v1`]);
    assert.equal(r.code, 0, r.stderr);
    const gets = layerGets(p.log, layer.digest);
    assert.equal(gets.length, 1, JSON.stringify(gets));
    assert.match(gets[0]!.range ?? '', /^bytes=\d+-$/, 'regctl asked for the rest');
    assert.equal(gets[0]!.status, 200);
    assert.equal(gets[0]!.bytes, layer.size);
    assert.ok((await assertBlobsIntact(cache)).includes(layer.digest));
    await umociLs(cache);
  });

  it("prune removes a killed pull's partial and counts it; a live pull's partial is kept and the pull completes", async () => {
    const p = await proxy({ bytesPerSecond: 8 * MiB });
    const cache = cacheDir();
    const kept = await killMidBlob(p, cache);
    const data = (await readdir(join(cache, '.tmp', 'ingest'))).find((n) => n.endsWith('.data'));
    assert.ok(data);
    const pruned = await runCli(['prune', '--cache-dir', cache, '--json']);
    assert.equal(pruned.code, 0, pruned.stderr);
    const report = JSON.parse(pruned.stdout) as { tempBytes: number; tempFiles: number };
    assert.ok(report.tempFiles >= 1 && report.tempBytes >= kept, pruned.stdout);
    assert.deepEqual(await readdir(join(cache, '.tmp', 'ingest')), []);

    // Now a live pull: its partial survives a prune run in the middle of it.
    const name = `${p.host}/resume/app:v1`;
    const run = startCli(['pull', '--progress', 'none', '--cache-dir', cache, name]);
    await waitFor('a partial blob with kept bytes', () => keptOffset(cache));
    const during = await runCli(['prune', '--cache-dir', cache, '--json']);
    assert.equal(during.code, 0, during.stderr);
    assert.equal((JSON.parse(during.stdout) as { tempFiles: number }).tempFiles, 0, during.stdout);
    assert.ok((await stat(join(cache, '.tmp', 'ingest', data as string))).size > 0, 'the live partial is still there');
    p.setRate(undefined);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
    await assertBlobsIntact(cache);
    await umociLs(cache);
  });

  it('kill -9 at random points: after each the cache is a valid layout naming only intact images; a last pull completes', async () => {
    const p = await proxy({ bytesPerSecond: 20 * MiB });
    const cache = cacheDir();
    const name = `${p.host}/resume/app:v1`;
    for (let round = 0; round < 6; round++) {
      const run = startCli(['pull', '--progress', 'none', '--cache-dir', cache, name]);
      await new Promise((r) => setTimeout(r, Math.random() * 2500));
      run.child.kill('SIGKILL');
      await run.done;
      // Killed before it made the layout: the directory is as the test made it (the layout appears whole or not at all).
      if (!existsSync(join(cache, 'oci-layout'))) {
        assert.deepEqual(await readdir(cache), [], 'a kill before the layout was made leaves nothing');
        continue;
      }
      await umociLs(cache);
      await assertBlobsIntact(cache);
      const images = await runCli(['images', '--cache-dir', cache]);
      assert.equal(images.code, 0, images.stderr);
      // A name appears only when its whole image is there.
      if ((await cacheNames(cache)).includes(name)) break;
    }
    const r = await runCli(['pull', '--progress', 'none', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
    const blobs = await assertBlobsIntact(cache);
    for (const l of img.layers) assert.ok(blobs.includes(l.digest));
    await umociLs(cache);
  });
});
