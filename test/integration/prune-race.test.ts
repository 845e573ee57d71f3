import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry } from '../support/faulty-registry.js';
import { runReliably as runCli } from '../support/no-internal-error.js';

/** A promise with its resolver, to hold the registry's answer until the test has acted. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

function blobPath(cache: string, digest: string): string {
  return join(cache, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** What the index names `name`, and whether every blob of that image is in the cache with its digest. */
function cachedImage(cache: string, name: string): { named: boolean; complete: boolean; missing: string[] } {
  const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === name);
  if (!entry) return { named: false, complete: false, missing: [] };
  const intact = (digest: string): boolean =>
    existsSync(blobPath(cache, digest)) &&
    `sha256:${createHash('sha256')
      .update(readFileSync(blobPath(cache, digest)))
      .digest('hex')}` === digest;
  if (!intact(entry.digest)) return { named: true, complete: false, missing: [entry.digest] };
  const manifest = JSON.parse(readFileSync(blobPath(cache, entry.digest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  const missing = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)].filter((d) => !intact(d));
  return { named: true, complete: missing.length === 0, missing };
}

describe('a pull racing a prune', () => {
  let registry: FaultyRegistry | undefined;
  let dir: { dir: string; remove: () => void } | undefined;
  afterEach(async () => {
    await registry?.close();
    dir?.remove();
  });

  /**
   * The cache holds the image's config and first layer unnamed (an image untagged earlier), an hour
   * old; the pull finds them present and downloads the second layer, which the registry holds back
   * until `during` (run while the pull is in flight, after it found the first two) is done.
   */
  async function pullWith(
    during: (cache: string, reused: string[]) => Promise<void>,
  ): Promise<{ code: number; stdout: string; stderr: string; cache: string; name: string }> {
    const gate = latch();
    const arrived = latch();
    let held = '';
    registry = await startFaultyRegistry({
      seed: 'prune-race',
      layers: 2,
      layerSize: 8192,
      blobGate: async (digest) => {
        if (digest !== held) return;
        arrived.open();
        await gate.promise;
      },
    });
    const { image, blobs } = registry;
    held = image.layers[1]!.digest;
    dir = tempDir('regctl-prune-race-');
    const cache = join(dir.dir, 'cache');
    const store = await LayoutStore.open(cache, { create: true });
    const reused = [image.config, image.layers[0]!];
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const d of reused) {
      await store.pushBytes(d, blobs.get(d.digest)!);
      utimesSync(blobPath(cache, d.digest), hourAgo, hourAgo);
    }
    const name = `${registry.host}/team/app:v1`;
    // --concurrency 1: config, first layer (both found present), then the held second layer, in that order.
    const pulling = runCli(['--cache-dir', cache, '--concurrency', '1', 'pull', name], { timeout: 60_000 });
    await arrived.promise;
    await during(
      cache,
      reused.map((d) => d.digest),
    );
    gate.open();
    return { ...(await pulling), cache, name };
  }

  it('prune (another process) keeps the blobs the pull found present: the pull completes with the whole image', async () => {
    const r = await pullWith(async (cache, reused) => {
      const pruned = await runCli(['--cache-dir', cache, 'prune']);
      assert.equal(pruned.code, 0, pruned.stderr);
      for (const d of reused) assert.ok(existsSync(blobPath(cache, d)), `prune kept ${d}, which the pull holds`);
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Status: Downloaded newer image/);
    assert.deepEqual(cachedImage(r.cache, r.name), { named: true, complete: true, missing: [] });
  });

  it('a blob removed after the pull checked it (a prune that read the leases just before) is fetched again, never named missing', async () => {
    const r = await pullWith(async (cache, reused) => {
      rmSync(blobPath(cache, reused[1]!));
    });
    // The tag is checked under the index lock: the missing blob is seen, held, and fetched once more.
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 blob\(s\) went missing from the cache while pulling \(a concurrent prune\?\); fetching them again/);
    assert.deepEqual(cachedImage(r.cache, r.name), { named: true, complete: true, missing: [] }, r.stderr);
    // A later listing is whole either way.
    const images = await runCli(['--cache-dir', r.cache, 'images']);
    assert.equal(images.code, 0, images.stderr);
  });
});
