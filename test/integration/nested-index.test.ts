import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { tempDir } from '../support/cli.js';
import { buildRandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { BytesSink, cacheEntry, pushRaw, sha256 } from './pull-helpers.js';
import { regctl } from './push-support.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

/** Adds an index of `manifests` to the sink and returns its descriptor. */
function index(sink: BytesSink, manifests: Descriptor[]): Descriptor {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }));
  sink.blobs.set(sha256(bytes), bytes);
  return { mediaType: INDEX, digest: sha256(bytes), size: bytes.length };
}

describe('pull follows nested indexes (an index whose entry is an index)', { timeout: 120_000 }, () => {
  let reg: RunningRegistry;
  const work = tempDir('regctl-nested-');
  const images: Record<string, Descriptor> = {};

  before(async () => {
    reg = await startRegistry({ mode: 'open' });
    // outer → inner (no platform) → amd64, arm64: the shape of indexes grouping images by OS version.
    const sink = new BytesSink();
    for (const p of [AMD64, ARM64])
      images[p.architecture] = (await buildRandomImage(sink, { seed: `nested-pull-${p.architecture}`, layers: 1, layerSize: 1024, platform: p })).manifest;
    const inner = index(sink, [
      { ...images['amd64']!, platform: AMD64 },
      { ...images['arm64']!, platform: ARM64 },
    ]);
    const outer = index(sink, [inner]);
    await pushRaw(reg.url, 'nested/app', 'v1', sink, [images['amd64']!, images['arm64']!, inner, outer]);
    // A chain of nine indexes over one image: one too deep.
    let deep: Descriptor = { ...images['amd64']!, platform: AMD64 };
    const chain: Descriptor[] = [];
    for (let i = 0; i < 9; i++) chain.push((deep = index(sink, [deep])));
    await pushRaw(reg.url, 'nested/deep', 'v1', sink, [images['amd64']!, ...chain]);
    await pushRaw(reg.url, 'nested/deep', 'eight', sink, [images['amd64']!, ...chain.slice(0, 8)]);
  });

  after(async () => {
    await reg?.stop();
    work.remove();
  });

  it('--platform picks the image inside the inner index; --all-platforms stores every level', async () => {
    const cache = join(work.dir, 'cache');
    for (const [p, arch] of [
      ['linux/arm64', 'arm64'],
      ['linux/amd64', 'amd64'],
    ] as const) {
      await regctl(['--cache-dir', cache, 'pull', '--platform', p, `${reg.host}/nested/app:v1`]);
      const entry = await cacheEntry(cache, `${reg.host}/nested/app:v1`);
      assert.equal(entry.digest, images[arch]!.digest, `${p} is the image two levels down`);
    }
    const all = join(work.dir, 'all');
    await regctl(['--cache-dir', all, 'pull', '--all-platforms', `${reg.host}/nested/app:v1`]);
    const inspect = JSON.parse((await regctl(['--cache-dir', all, 'inspect', '--json', `${reg.host}/nested/app:v1`])).stdout) as { mediaType: string };
    assert.equal(inspect.mediaType, INDEX);
    const missing = await regctl(['--cache-dir', cache, 'pull', '--platform', 'linux/s390x', `${reg.host}/nested/app:v1`], 3);
    assert.match(missing.stderr, /no image for platform linux\/s390x in index sha256:[a-f0-9]{64}; available: linux\/amd64, linux\/arm64\/v8/);
  });

  it('eight indexes deep is followed; nine is refused with one clear line (exit 1) and nothing tagged', async () => {
    const cache = join(work.dir, 'deep');
    await regctl(['--cache-dir', cache, 'pull', '--platform', 'linux/amd64', `${reg.host}/nested/deep:eight`]);
    const r = await regctl(['--cache-dir', cache, 'pull', '--platform', 'linux/amd64', `${reg.host}/nested/deep:v1`], 1);
    assert.match(r.stderr, /nests indexes more than 8 levels deep \(at sha256:[a-f0-9]{64}\); refusing to follow it/);
    assert.match(r.stderr, new RegExp(`^Error: ${reg.host}/nested/deep:v1: `, 'm'));
    assert.equal(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('Error')).length,
      1,
    );
    const all = await regctl(['--cache-dir', cache, 'pull', '--all-platforms', `${reg.host}/nested/deep:v1`], 1);
    assert.match(all.stderr, /more than 8 levels deep/);
    await assert.rejects(cacheEntry(cache, `${reg.host}/nested/deep:v1`));
  });
});
