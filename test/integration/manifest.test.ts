import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Platform } from '../../src/oci/descriptor.js';
import { tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy } from '../support/skopeo.js';
import { umociLs } from '../support/tools.js';
import { blobUploads, mounts, regctl, seedImage, seedIndex, skopeoDigest, skopeoRaw, snapshot, THREE_PLATFORMS } from './push-support.js';

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

/** Blob reads (GET /v2/…/blobs/<digest>) in an access log, by digest. */
function blobReads(log: AccessEntry[]): string[] {
  return log.filter((e) => e.method === 'GET' && /\/blobs\/sha256:/.test(e.path)).map((e) => e.path.slice(e.path.lastIndexOf('/') + 1));
}

function cachedBlob(cacheDir: string, digest: string): boolean {
  return existsSync(join(cacheDir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

interface ListEntryJson {
  source: string | null;
  digest: string;
  platform: string | null;
}

describe('regctl manifest', { timeout: 180_000 }, () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let amd: RandomImage;
  let arm: RandomImage;
  let multi: RandomIndex;
  const cache = tempDir('regctl-manifest-cache-');
  const work = tempDir('regctl-manifest-work-');
  const C = ['--cache-dir', cache.dir, '--progress', 'plain'];

  before(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'open' })]);
    amd = await seedImage(a, 'src/app:amd64', { seed: 'manifest-amd64', layers: 2, layerSize: 50_000, platform: AMD64 });
    arm = await seedImage(a, 'src/app:arm64', { seed: 'manifest-arm64', layers: 2, layerSize: 50_000, platform: ARM64 });
    multi = await seedIndex(a, 'src/multi:v1', { seed: 'manifest-multi', platforms: THREE_PLATFORMS });
  });

  after(async () => {
    await Promise.all([a, b].map((r) => r?.stop()));
    cache.remove();
    work.remove();
  });

  it('create reads manifests and configs into the cache, leaving the layers in the registry', async () => {
    const r = await regctl([...C, 'manifest', 'create', `${a.host}/team/app:v1`, `${a.host}/src/app:amd64`, `${a.host}/src/app:arm64`]);
    assert.equal(r.stdout, `Created manifest list ${a.host}/team/app:v1\n`);
    for (const img of [amd, arm]) {
      assert.ok(cachedBlob(cache.dir, img.manifest.digest), 'manifest cached');
      assert.ok(cachedBlob(cache.dir, img.config.digest), 'config cached');
      for (const layer of img.layers) assert.ok(!cachedBlob(cache.dir, layer.digest), 'layer left in the registry');
    }
    const list = JSON.parse((await regctl([...C, 'manifest', 'inspect', `${a.host}/team/app:v1`])).stdout) as {
      mediaType: string;
      manifests: { digest: string; platform: Platform }[];
    };
    assert.equal(list.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      list.manifests.map((m) => [m.digest, m.platform]),
      [
        [amd.manifest.digest, AMD64],
        [arm.manifest.digest, ARM64],
      ],
    );
    const images = await regctl([...C, 'images', `${a.host}/team/app`]);
    assert.match(images.stdout, /team\/app\s+v1/);
  });

  it('refuses to overwrite without --amend, and an index SRC without --all', async () => {
    const again = await regctl([...C, 'manifest', 'create', `${a.host}/team/app:v1`, `${a.host}/src/app:amd64`], 1);
    assert.equal(again.stderr, `Error: refusing to amend an existing manifest list with no --amend flag: ${a.host}/team/app:v1\n`);
    const index = await regctl([...C, 'manifest', 'create', `${a.host}/team/other:v1`, `${a.host}/src/multi:v1`], 2);
    assert.match(index.stderr, /is a manifest list \(linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\): add --all/);
    const missing = await regctl([...C, 'manifest', 'create', `${a.host}/team/other:v1`, `${a.host}/src/nothing:v1`], 3);
    assert.match(missing.stderr, /src\/nothing:v1/);
    assert.equal((await regctl([...C, 'images', '--json'])).stdout.includes('team/other'), false, 'nothing named after a failure');
  });

  it('push LIST pushes the images (layers mounted within the registry) and the index; skopeo reads both platforms', async () => {
    await a.clearAccessLog();
    const r = await regctl([...C, 'push', `${a.host}/team/app:v1`]);
    const digest = /^v1: digest: (sha256:[a-f0-9]{64}) size: \d+$/m.exec(r.stdout)?.[1];
    assert.ok(digest, r.stdout);
    const log = await a.accessLog();
    assert.deepEqual(blobUploads(log), [], 'no blob bytes uploaded within one registry');
    assert.equal(mounts(log).filter((e) => e.status === 201).length, 6, JSON.stringify(log));
    assert.equal(await skopeoDigest(a, 'team/app:v1'), digest);
    const raw = await skopeoRaw(a, 'team/app:v1');
    assert.deepEqual(
      raw.manifests?.map((m) => m.platform),
      [AMD64, ARM64],
    );
    const out = join(work.dir, 'all');
    await skopeoCopy(`docker://${a.host}/team/app:v1`, `oci:${out}:v1`, { all: true });
  });

  it('manifest push to another registry streams the layers from where create read them, without storing them', async () => {
    await regctl([...C, 'manifest', 'create', `${b.host}/team/app:v1`, `${a.host}/src/app:amd64`, `${a.host}/src/app:arm64`]);
    const r = await regctl([...C, 'manifest', 'push', `${b.host}/team/app:v1`]);
    assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
    assert.equal(await skopeoDigest(b, 'team/app:v1'), r.stdout.trim());
    assert.deepEqual(
      (await skopeoRaw(b, 'team/app:v1')).manifests?.map((m) => m.digest),
      [amd.manifest.digest, arm.manifest.digest],
    );
    for (const layer of [...amd.layers, ...arm.layers]) assert.ok(!cachedBlob(cache.dir, layer.digest), 'streamed, not cached');
    // skopeo reads every blob back from B: they arrived whole.
    await skopeoCopy(`docker://${b.host}/team/app:v1`, `oci:${join(work.dir, 'fromb')}:v1`, { all: true });
    // --purge forgets the list once pushed.
    await regctl([...C, 'manifest', 'push', '--purge', `${b.host}/team/app:v1`]);
    await regctl([...C, 'manifest', 'inspect', `${b.host}/team/app:v1`]);
    assert.doesNotMatch((await regctl([...C, 'images'])).stdout, new RegExp(`${b.host}/team/app`));
  });

  it('--amend adds entries; --all takes every entry of an index SRC; --annotation sets the index annotations', async () => {
    const r = await regctl([
      ...C,
      'manifest',
      'create',
      '--amend',
      '--all',
      '--json',
      '--annotation',
      'org.opencontainers.image.version=1',
      `${a.host}/team/app:v1`,
      `${a.host}/src/multi:v1`,
    ]);
    const doc = JSON.parse(r.stdout) as { name: string; amended: boolean; manifests: ListEntryJson[] };
    assert.equal(doc.name, `${a.host}/team/app:v1`);
    assert.equal(doc.amended, true);
    assert.deepEqual(
      doc.manifests.map((m) => [m.digest, m.platform, m.source]),
      [
        [amd.manifest.digest, 'linux/amd64', null],
        [arm.manifest.digest, 'linux/arm64/v8', null],
        ...multi.images.map((i, n) => [i.manifest.digest, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'][n], `${a.host}/src/multi:v1`]),
      ],
    );
    assert.match(r.stderr, /WARNING: .* lists more than one image for linux\/amd64/);
    const list = JSON.parse((await regctl([...C, 'manifest', 'inspect', `${a.host}/team/app:v1`])).stdout) as { annotations: Record<string, string> };
    assert.deepEqual(list.annotations, { 'org.opencontainers.image.version': '1' });
  });

  it('annotate sets an entry platform and annotations by the image it came from', async () => {
    await regctl([
      ...C,
      'manifest',
      'annotate',
      '--variant',
      'v8.2',
      '--os-features',
      'a,b',
      '--annotation',
      'k=v',
      `${a.host}/team/app:v1`,
      `${a.host}/src/app:arm64`,
    ]);
    const list = JSON.parse((await regctl([...C, 'manifest', 'inspect', `${a.host}/team/app:v1`])).stdout) as {
      manifests: { digest: string; platform: Platform; annotations?: Record<string, string> }[];
    };
    const entry = list.manifests.find((m) => m.digest === arm.manifest.digest);
    assert.deepEqual(entry?.platform, { os: 'linux', architecture: 'arm64', variant: 'v8.2', 'os.features': ['a', 'b'] });
    assert.deepEqual(entry?.annotations, { k: 'v' });
    const missing = await regctl([...C, 'manifest', 'annotate', '--arch', 'x', `${a.host}/team/app:v1`, `sha256:${'0'.repeat(64)}`], 3);
    assert.match(missing.stderr, /does not exist in/);
    await regctl([...C, 'manifest', 'annotate', '--arch', 'Bad!', `${a.host}/team/app:v1`, `${a.host}/src/app:arm64`], 2);
  });

  it('rm forgets a list, refuses an image, and sends a REPO@DIGEST to delete', async () => {
    await regctl([...C, 'pull', `${a.host}/src/app:amd64`]);
    const image = await regctl([...C, 'manifest', 'rm', `${a.host}/src/app:amd64`], 1);
    assert.match(image.stderr, /is an image, not a manifest list: regctl rmi/);
    const pinned = await regctl([...C, 'manifest', 'rm', `${a.host}/src/app@${amd.manifest.digest}`], 2);
    assert.match(pinned.stderr, /regctl delete /);
    const r = await regctl([...C, 'manifest', 'rm', '--json', `${a.host}/team/app:v1`]);
    assert.deepEqual(JSON.parse(r.stdout), { removed: [`${a.host}/team/app:v1`] });
    await regctl([...C, 'manifest', 'rm', `${a.host}/team/app:v1`], 3);
  });

  it('create --push leaves the cache untouched and, within one registry, mounts every blob: no blob bytes move', async () => {
    const before = await snapshot(cache.dir);
    const fresh = join(work.dir, 'never-made');
    await a.clearAccessLog();
    const r = await regctl([
      '--cache-dir',
      fresh,
      'manifest',
      'create',
      '--push',
      `${a.host}/pushed/app:v1`,
      `${a.host}/src/app:amd64`,
      `${a.host}/src/app:arm64`,
    ]);
    const log = await a.accessLog();
    assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
    assert.equal(await skopeoDigest(a, 'pushed/app:v1'), r.stdout.trim());
    assert.deepEqual(
      (await skopeoRaw(a, 'pushed/app:v1')).manifests?.map((m) => m.platform),
      [AMD64, ARM64],
    );
    assert.deepEqual(blobUploads(log), [], 'no blob uploaded');
    assert.equal(mounts(log).filter((e) => e.status === 201).length, 6, JSON.stringify(log));
    // The only blobs read are the two configs, for their platforms: no layer moves.
    assert.deepEqual(blobReads(log).sort(), [amd.config.digest, arm.config.digest].sort());
    assert.equal(existsSync(fresh), false, 'no cache created');
    assert.deepEqual(await snapshot(cache.dir), before);
  });

  it('create --push across registries streams the images, then pushes the index (and --amend adds to it)', async () => {
    const r = await regctl([...C, 'manifest', 'create', '--push', '--json', `${b.host}/pushed/app:v1`, `${a.host}/src/app:amd64`]);
    const doc = JSON.parse(r.stdout) as { digest: string; blobs: { copied: number; mounted: number }; manifests: ListEntryJson[] };
    assert.equal(doc.blobs.copied, 3);
    assert.equal(doc.blobs.mounted, 0);
    assert.equal(await skopeoDigest(b, 'pushed/app:v1'), doc.digest);
    const amended = await regctl([...C, 'manifest', 'create', '--push', '--amend', `${b.host}/pushed/app:v1`, `${a.host}/src/app:arm64`]);
    assert.deepEqual(
      (await skopeoRaw(b, 'pushed/app:v1')).manifests?.map((m) => m.digest),
      [amd.manifest.digest, arm.manifest.digest],
    );
    assert.equal(await skopeoDigest(b, 'pushed/app:v1'), amended.stdout.trim());
    await skopeoCopy(`docker://${b.host}/pushed/app:v1`, `oci:${join(work.dir, 'pushedb')}:v1`, { all: true });
  });

  it('the cache stays a layout other tools read, with the list layers left out', async () => {
    await regctl([...C, 'manifest', 'create', `${a.host}/team/again:v1`, `${a.host}/src/app:arm64`]);
    const index = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
    assert.ok(index.manifests.some((m) => m.annotations?.['org.opencontainers.image.ref.name'] === `${a.host}/team/again:v1`));
    // image-layout.md: "The blobs directory MAY be missing referenced blobs" — umoci lists it all the same.
    assert.ok((await umociLs(cache.dir)).includes(`${a.host}/team/again:v1`));
    const pruned = JSON.parse((await regctl([...C, 'prune', '--json'])).stdout) as { removed: { digest: string }[] };
    assert.ok(!pruned.removed.some((x) => x.digest === arm.manifest.digest || x.digest === arm.config.digest), 'prune keeps what a list names');
    await regctl([...C, 'push', `${a.host}/team/again:v1`]);
    assert.deepEqual(
      (await skopeoRaw(a, 'team/again:v1')).manifests?.map((m) => m.digest),
      [arm.manifest.digest],
    );
  });
});
