import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { runCli, tempDir } from '../support/cli.js';
import type { RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import { assertBlobsIntact, cacheEntry, pushIndex, readBlobJson, registryDigest, SOURCE_INDEX } from './pull-helpers.js';

// `pull --platform a,b` takes a list, as `copy --platform` does: an index of just those platforms.
const PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

let reg: RunningRegistry;
let idx: RandomIndex;
const dirs: (() => void)[] = [];

function cacheDir(): string {
  const t = tempDir('regctl-pull-platforms-');
  dirs.push(t.remove);
  return t.dir;
}

before(async () => {
  reg = await startRegistry({ mode: 'open' });
  idx = await pushIndex(reg, 't/three:v1', { seed: 'pull-platforms', platforms: PLATFORMS, layers: 1, layerSize: 2048 });
});

after(async () => {
  await reg?.stop();
  for (const remove of dirs) remove();
});

test('pull --platform a,b stores an index of those platforms under the name', async () => {
  const cache = cacheDir();
  const name = `${reg.host}/t/three:v1`;
  const served = await registryDigest(reg.url, 't/three', 'v1');
  const r = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/amd64,linux/arm/v7', name]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Digest: ${served.header}\nStatus: Downloaded newer image for ${name}\n${name}\n`);

  const entry = await cacheEntry(cache, name);
  assert.equal(entry.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.notEqual(entry.digest, idx.index.digest, 'a filtered index has a new digest');
  assert.equal(entry.annotations?.[SOURCE_INDEX], idx.index.digest, 'it records the index it came from');
  assert.match(r.stderr, new RegExp(`Stored an index of linux/amd64, linux/arm/v7 as ${name.replace(/[.]/g, '\\.')}: ${entry.digest}`));

  const stored = await readBlobJson<{ manifests: Descriptor[] }>(cache, entry.digest);
  const amd64 = idx.images[0]!;
  const armv7 = idx.images[2]!;
  assert.deepEqual(
    stored.manifests.map((m) => m.digest),
    [amd64.manifest.digest, armv7.manifest.digest],
  );
  for (const img of [amd64, armv7]) {
    for (const blob of [img.manifest, img.config, ...img.layers])
      assert.ok(existsSync(join(cache, 'blobs', 'sha256', blob.digest.slice(7))), `${blob.digest} cached`);
  }
  for (const blob of [idx.images[1]!.manifest, ...idx.images[1]!.layers]) {
    assert.ok(!existsSync(join(cache, 'blobs', 'sha256', blob.digest.slice(7))), 'the platform left out is not fetched');
  }
  await assertBlobsIntact(cache);
  await umociLs(cache);

  const images = await runCli(['images', '--cache-dir', cache, '--json']);
  const rows = JSON.parse(images.stdout) as { name: string; platforms: string[] }[];
  assert.deepEqual(rows.find((x) => x.name === name)?.platforms.sort(), ['linux/amd64', 'linux/arm/v7']);

  // The same list, repeated instead of comma-separated: the same index, nothing fetched.
  const again = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/amd64', '--platform', 'linux/arm/v7', name]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `Digest: ${served.header}\nStatus: Image is up to date for ${name}\n${name}\n`);
  assert.equal((await cacheEntry(cache, name)).digest, entry.digest);
});

test('pull --platform with one platform still stores that platform manifest', async () => {
  const cache = cacheDir();
  const name = `${reg.host}/t/three:v1`;
  const r = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/arm64', name]);
  assert.equal(r.code, 0, r.stderr);
  const entry = await cacheEntry(cache, name);
  assert.equal(entry.digest, idx.images[1]!.manifest.digest);
});

test('pull --platform list errors: a missing platform is exit 3, with --all-platforms exit 2', async () => {
  const cache = cacheDir();
  const name = `${reg.host}/t/three:v1`;
  let r = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/amd64,linux/s390x', name]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /no image for platform linux\/s390x/);
  r = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/amd64,linux/arm64', '--all-platforms', name]);
  assert.equal(r.code, 2, r.stderr);
  r = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/amd64,linux', name]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /invalid platform "linux"/);
});
