import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { runCli, tempDir } from '../support/cli.js';
import { buildRandomImage, buildRandomIndex } from '../support/random-image.js';

// `regctl images` keeps what it read of each image in <cache>/.regctl/listing.json; a listing
// from the memo must say exactly what a listing from the blobs says, and a damaged cache must be
// read (and reported) the same way with or without the memo.
let cache: { dir: string; remove: () => void };
let configOf: string;

before(async () => {
  cache = tempDir('regctl-images-memo-');
  const store = await LayoutStore.open(cache.dir, { create: true });
  const one = await buildRandomImage(store, { seed: 'memo-one', layers: 2, layerSize: 2048, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
  await store.tag(one.manifest, 'localhost:5000/one:v1');
  await store.tag(one.manifest, 'localhost:5000/one:also');
  const two = await buildRandomImage(store, { seed: 'memo-two', layers: 1, layerSize: 1024 });
  await store.tag(two.manifest, 'docker.io/library/two:latest');
  configOf = two.config.digest;
  const index = await buildRandomIndex(store, {
    seed: 'memo-multi',
    layers: 1,
    layerSize: 512,
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  await store.tag(index.index, 'ghcr.io/acme/multi:1.0');
});

after(() => cache.remove());

const memo = (): string => join(cache.dir, '.regctl', 'listing.json');
const images = (...args: string[]) => runCli(['--cache-dir', cache.dir, 'images', ...args]);

test('a listing from the memo is the listing from the blobs, in every output form', async () => {
  for (const args of [[], ['--json'], ['--digests'], ['--format', '{{.Repository}}:{{.Tag}} {{.Size}} {{.CreatedAt}}'], ['localhost:5000/one']]) {
    rmSync(memo(), { force: true });
    const cold = await images(...args);
    assert.equal(cold.code, 0, cold.stderr);
    assert.ok(existsSync(memo()), 'the first listing wrote the memo');
    const warm = await images(...args);
    assert.deepEqual(warm, cold, `images ${args.join(' ')}`);
  }
});

test('a missing config blob is not hidden by the memo', async () => {
  const warmup = await images();
  assert.equal(warmup.code, 0, warmup.stderr);
  rmSync(join(cache.dir, 'blobs', 'sha256', configOf.slice('sha256:'.length)));
  const withMemo = await images();
  rmSync(memo(), { force: true });
  const without = await images();
  assert.deepEqual(withMemo, without);
  assert.ok(withMemo.code !== 0 || /two/.test(withMemo.stdout), 'the damaged image is reported or still listed');
});
