import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { runCli, tempDir } from '../support/cli.js';
import { buildRandomImage, buildRandomIndex, type RandomImage, type RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import {
  assertBlobsIntact,
  assertNoEscapes,
  blobGets,
  BytesSink,
  cacheEntry,
  cacheNames,
  CONTAINERD_NAME,
  HOST_ARCH,
  pushIndex,
  pushRaw,
  readBlobJson,
  readCacheIndex,
  registryDigest,
  showLog,
  SOURCE_INDEX,
  twoPlatforms,
} from './pull-helpers.js';

interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
}
interface ImageManifest {
  config: Descriptor;
  layers: Descriptor[];
}

let reg: RunningRegistry;
let idx: RandomIndex;
let dockerImg: RandomImage;
let dockerIdx: RandomIndex;
const dirs: (() => void)[] = [];

function cacheDir(): string {
  const t = tempDir('regctl-pull-cache-');
  dirs.push(t.remove);
  return t.dir;
}

/** Every blob an image consists of: manifest, config, layers. */
function imageBlobs(img: RandomImage): string[] {
  return [img.manifest.digest, img.config.digest, ...img.layers.map((l) => l.digest)];
}

before(async () => {
  reg = await startRegistry({ mode: 'open' });
  idx = await pushIndex(reg, 't/app:v1', { seed: 'pull-open', platforms: twoPlatforms(), layers: 2, layerSize: 8192 });
  // Docker media types go in over HTTP: skopeo 1.9's oci: reader ignores Docker-typed index entries.
  const sink = new BytesSink();
  dockerImg = await buildRandomImage(sink, {
    seed: 'pull-docker',
    layers: 2,
    layerSize: 4096,
    mediaTypes: 'docker',
    platform: { os: 'linux', architecture: HOST_ARCH },
  });
  await pushRaw(reg.url, 't/docker', 'v1', sink, [dockerImg.manifest]);
  const sinkIdx = new BytesSink();
  dockerIdx = await buildRandomIndex(sinkIdx, { seed: 'pull-docker-idx', platforms: twoPlatforms(), mediaTypes: 'docker' });
  await pushRaw(reg.url, 't/dockerlist', 'v1', sinkIdx, [...dockerIdx.images.map((i) => i.manifest), dockerIdx.index]);
});

after(async () => {
  await reg?.stop();
  for (const remove of dirs) remove();
});

describe('pull from an open registry', () => {
  let cache: string;
  let name: string;

  it('pulls the host platform of a two-platform index into a valid cache', async () => {
    cache = cacheDir();
    name = `${reg.host}/t/app:v1`;
    const served = await registryDigest(reg.url, 't/app', 'v1');
    assert.equal(served.header, served.computed);
    assert.equal(served.header, idx.index.digest);

    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${served.header}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    assert.match(r.stderr, new RegExp(`^v1: Pulling from ${reg.host}/t/app$`, 'm'));
    const host = idx.images[0]!;
    for (const layer of host.layers) {
      const id = layer.digest.slice(7, 19);
      assert.match(r.stderr, new RegExp(`^${id}: Pulling fs layer$`, 'm'));
      assert.match(r.stderr, new RegExp(`^${id}: Pull complete$`, 'm'));
    }
    assertNoEscapes(r.stderr, 'stderr (not a TTY)');

    const entry = await cacheEntry(cache, name);
    assert.equal(entry.digest, host.manifest.digest, 'the cache names the host platform manifest');
    assert.equal(entry.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(entry.annotations?.[SOURCE_INDEX], idx.index.digest);
    assert.equal(entry.annotations?.[CONTAINERD_NAME], name);
    const manifest = await readBlobJson<ImageManifest>(cache, entry.digest);
    const config = await readBlobJson<ImageConfig>(cache, manifest.config.digest);
    assert.equal(config.architecture, HOST_ARCH);
    assert.equal(config.os, 'linux');

    const blobs = await assertBlobsIntact(cache);
    for (const d of imageBlobs(host)) assert.ok(blobs.includes(d), `blob ${d} missing from the cache`);
    for (const d of idx.images[1]!.layers.map((l) => l.digest)) assert.ok(!blobs.includes(d), `other platform's layer ${d} was pulled`);
    assert.deepEqual(await umociLs(cache), [name]);
  });

  it('fetches no blob on a second pull and says the image is up to date', async () => {
    assert.ok(cache, 'needs the previous test');
    const before = await readCacheIndex(cache);
    await reg.clearAccessLog();
    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${idx.index.digest}\nStatus: Image is up to date for ${name}\n${name}\n`);
    for (const layer of idx.images[0]!.layers) assert.match(r.stderr, new RegExp(`^${layer.digest.slice(7, 19)}: Already exists$`, 'm'));
    const log = await reg.accessLog();
    assert.deepEqual(blobGets(log), [], `blob GETs on the second pull:\n${showLog(log)}`);
    assert.deepEqual(await readCacheIndex(cache), before);
  });

  it('pulls another platform with --platform linux/arm64', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/app:v1`;
    const r = await runCli(['pull', '--cache-dir', c, '--platform', 'linux/arm64', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Digest: ${idx.index.digest}$`, 'm'));
    const arm = idx.images.find((i) => (JSON.parse(i.configBytes.toString('utf8')) as ImageConfig).architecture === 'arm64');
    assert.ok(arm, 'the test index has an arm64 image');
    const entry = await cacheEntry(c, name);
    const manifest = await readBlobJson<ImageManifest>(c, entry.digest);
    const config = await readBlobJson<ImageConfig>(c, manifest.config.digest);
    assert.equal(config.architecture, 'arm64');
    assert.equal(entry.digest, arm.manifest.digest);
    assert.equal(entry.annotations?.[SOURCE_INDEX], idx.index.digest);
    await assertBlobsIntact(c);
    await umociLs(c);
  });

  it('stores the whole index and both platforms with --all-platforms', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/app:v1`;
    const r = await runCli(['pull', '--cache-dir', c, '--all-platforms', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${idx.index.digest}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    const entry = await cacheEntry(c, name);
    assert.equal(entry.digest, idx.index.digest);
    assert.equal(entry.mediaType, 'application/vnd.oci.image.index.v1+json');
    const blobs = await assertBlobsIntact(c);
    for (const img of idx.images) for (const d of imageBlobs(img)) assert.ok(blobs.includes(d), `blob ${d} missing`);
    assert.ok(blobs.includes(idx.index.digest), 'index blob missing');
    assert.deepEqual(await umociLs(c), [name]);
  });

  it('prints only the reference with -q', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/app:v1`;
    const r = await runCli(['pull', '-q', '--cache-dir', c, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${name}\n`);
    assert.doesNotMatch(r.stderr, /Pull complete/);
    assert.deepEqual(await cacheNames(c), [name]);
  });

  it('pulls by digest and names the pinned reference', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/app@${idx.index.digest}`;
    const r = await runCli(['pull', '--cache-dir', c, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${idx.index.digest}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    assert.equal((await cacheEntry(c, name)).digest, idx.images[0]!.manifest.digest);
    await assertBlobsIntact(c);
    await umociLs(c);
  });

  it('exits 3 for a digest the registry does not have', async () => {
    const c = cacheDir();
    const missing = `sha256:${'0'.repeat(64)}`;
    const r = await runCli(['pull', '--cache-dir', c, `${reg.host}/t/app@${missing}`]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /t\/app/);
    assert.deepEqual(await cacheNames(c), []);
  });

  it('pulls Docker schema 2 media types (manifest and manifest list)', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/docker:v1`;
    const r = await runCli(['pull', '--cache-dir', c, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${dockerImg.manifest.digest}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    const entry = await cacheEntry(c, name);
    assert.equal(entry.digest, dockerImg.manifest.digest);
    assert.equal(entry.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');

    const listName = `${reg.host}/t/dockerlist:v1`;
    const r2 = await runCli(['pull', '--cache-dir', c, listName]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, new RegExp(`^Digest: ${dockerIdx.index.digest}$`, 'm'));
    const listEntry = await cacheEntry(c, listName);
    assert.equal(listEntry.digest, dockerIdx.images[0]!.manifest.digest);
    assert.equal(listEntry.annotations?.[SOURCE_INDEX], dockerIdx.index.digest);
    const blobs = await assertBlobsIntact(c);
    for (const d of [...imageBlobs(dockerImg), ...imageBlobs(dockerIdx.images[0]!)]) assert.ok(blobs.includes(d), `blob ${d} missing`);
    assert.deepEqual((await umociLs(c)).sort(), [name, listName].sort());
  });

  it('writes one JSON object per stderr line with --progress json', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/app:v1`;
    const r = await runCli(['pull', '--progress', 'json', '--cache-dir', c, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${idx.index.digest}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length > 0, 'no progress events');
    const events = lines.map((l) => {
      let v: unknown;
      assert.doesNotThrow(() => {
        v = JSON.parse(l);
      }, `stderr line is not JSON: ${l}`);
      assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `stderr line is not a JSON object: ${l}`);
      return v as { event?: string; digest?: string };
    });
    for (const layer of idx.images[0]!.layers) {
      assert.ok(
        events.some((e) => e.event === 'done' && e.digest === layer.digest),
        `no done event for ${layer.digest}`,
      );
    }
  });

  it('writes plain lines without escape codes with --progress plain', async () => {
    const c = cacheDir();
    const name = `${reg.host}/t/app:v1`;
    const r = await runCli(['pull', '--progress', 'plain', '--cache-dir', c, name], { env: { NO_COLOR: '' } });
    assert.equal(r.code, 0, r.stderr);
    assertNoEscapes(r.stderr, 'stderr');
    assertNoEscapes(r.stdout, 'stdout');
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    for (const l of lines)
      assert.match(l, /^(v1: Pulling from \S+|[0-9a-f]{12}: (Pulling fs layer|Pull complete|Already exists)|pulled \d+ layers?, [\d.]+[kMG]?B in [\d.]+ s)$/);
    assert.match(lines.at(-1) ?? '', /^pulled \d+ layers?, /, 'the closing summary');
  });
});
