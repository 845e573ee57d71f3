import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { copy } from '../../src/content/copy.js';
import { MemoryStore } from '../../src/content/memory-store.js';
import { readStream } from '../../src/content/read-all.js';
import type { CopyEvent, Target } from '../../src/content/types.js';
import { DigestMismatchError, RegctlError } from '../../src/errors.js';
import { Annotation, type Descriptor, type Platform } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { MountingStore } from '../support/mounting-store.js';
import { buildRandomImage, buildRandomIndex, type RandomImage } from '../support/random-image.js';

// content/copy.ts on its own, between two in-memory targets: no registry, no layout.

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const S390X: Platform = { os: 'linux', architecture: 's390x' };

function blobsOf(img: RandomImage): Descriptor[] {
  return [img.config, ...img.layers];
}

async function bytesOf(store: Target, desc: Descriptor): Promise<Buffer> {
  return readStream(await store.fetch(desc), 64 * 1024 * 1024);
}

/** The event types each digest saw, in order, with progress events folded into one "progress". */
function eventsByDigest(events: CopyEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const list = (out[e.desc.digest] ??= []);
    if (e.type !== 'progress' || list.at(-1) !== 'progress') list.push(e.type);
  }
  return out;
}

async function threePlatforms(): Promise<{ src: MemoryStore; index: Descriptor; images: RandomImage[] }> {
  const src = new MemoryStore();
  const built = await buildRandomIndex(src, { seed: 'copy-unit', platforms: [AMD64, ARM64, S390X], layers: 2, layerSize: 2048, tag: 'multi' });
  return { src, index: built.index, images: built.images };
}

describe('copy (content/copy.ts) between memory stores', () => {
  test('an image: every blob then the manifest, byte for byte, with start/progress/done events; named at the destination', async () => {
    const src = new MemoryStore();
    const img = await buildRandomImage(src, { seed: 'plain', layers: 2, layerSize: 5000, tag: 'v1' });
    const dst = new MemoryStore();
    const events: CopyEvent[] = [];
    const present: string[] = [];
    const r = await copy(src, 'v1', dst, 'copied', { listener: (e) => events.push(e), onPresent: (d, how) => void present.push(`${d.digest} ${how}`) });

    assert.deepEqual(r.descriptor, img.manifest);
    assert.deepEqual(r.source, img.manifest);
    assert.equal(r.filtered, false);
    assert.deepEqual([r.copied, r.skipped, r.mounted], [3, 0, 0]);
    assert.equal(
      r.bytes,
      blobsOf(img).reduce((n, b) => n + b.size, 0),
    );
    assert.deepEqual(await dst.resolve('copied'), img.manifest);
    assert.deepEqual(await bytesOf(dst, img.manifest), img.manifestBytes);
    for (const b of blobsOf(img)) assert.deepEqual(await bytesOf(dst, b), await bytesOf(src, b));
    const seen = eventsByDigest(events);
    for (const b of blobsOf(img)) assert.deepEqual(seen[b.digest], ['queued', 'start', 'progress', 'done'], b.digest);
    for (const b of blobsOf(img)) {
      const progress = events.filter((e): e is Extract<CopyEvent, { type: 'progress' }> => e.type === 'progress' && e.desc.digest === b.digest);
      assert.equal(progress.at(-1)?.bytes, b.size, 'the last progress event counts every byte');
    }
    assert.equal(seen[img.manifest.digest], undefined, 'manifests make no blob events');
    assert.equal(present.at(-1), `${img.manifest.digest} copied`, 'the manifest goes last');
  });

  test('a second copy moves nothing: every blob is a skip event, the manifest is found', async () => {
    const src = new MemoryStore();
    const img = await buildRandomImage(src, { seed: 'again', layers: 2, layerSize: 1000, tag: 'v1' });
    const dst = new MemoryStore();
    await copy(src, 'v1', dst, 'v1');
    const events: CopyEvent[] = [];
    const present: string[] = [];
    const r = await copy(src, 'v1', dst, 'v1', { listener: (e) => events.push(e), onPresent: (d, how) => void present.push(`${d.digest} ${how}`) });
    assert.deepEqual([r.copied, r.skipped, r.mounted, r.bytes], [0, 3, 0, 0]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['queued', 'queued', 'queued', 'skip', 'skip', 'skip'],
    );
    assert.deepEqual(new Set(events.map((e) => e.desc.digest)), new Set(blobsOf(img).map((b) => b.digest)));
    assert.equal(present.at(-1), `${img.manifest.digest} skipped`);
  });

  test('an index with no selection (or "all") is copied whole: every platform, the same digest', async () => {
    const { src, index, images } = await threePlatforms();
    for (const platforms of [undefined, { mode: 'all' as const }]) {
      const dst = new MemoryStore();
      const r = await copy(src, 'multi', dst, 'multi', platforms ? { platforms } : {});
      assert.deepEqual(r.descriptor, index);
      assert.equal(r.filtered, false);
      assert.equal(r.copied, 9);
      for (const img of images) for (const d of [img.manifest, ...blobsOf(img)]) assert.equal(await dst.exists(d), true);
      assert.deepEqual(await dst.resolve('multi'), index);
    }
  });

  test('one platform: only its image is copied, named with the index it came from', async () => {
    const { src, index, images } = await threePlatforms();
    const [, arm, s390] = images as [RandomImage, RandomImage, RandomImage];
    const dst = new MemoryStore();
    const r = await copy(src, 'multi', dst, 'arm', { platforms: { mode: 'one', platform: { os: 'linux', architecture: 'arm64' } } });
    assert.deepEqual(r.descriptor, { ...arm.manifest, platform: ARM64, annotations: { [Annotation.sourceIndex]: index.digest } });
    assert.deepEqual(r.source, index);
    assert.equal(r.filtered, false);
    assert.equal(r.copied, 3);
    assert.equal(await dst.exists(index), false);
    assert.equal(await dst.exists(s390.layers[0] as Descriptor), false);
    assert.equal((await dst.resolve('arm')).digest, arm.manifest.digest);
  });

  test('a platform the index lacks is not-found (exit 3) listing what it has, and nothing is copied', async () => {
    const { src, index } = await threePlatforms();
    const dst = new MemoryStore();
    await assert.rejects(copy(src, 'multi', dst, 'x', { platforms: { mode: 'one', platform: { os: 'windows', architecture: 'amd64' } } }), (err: unknown) => {
      assert.ok(err instanceof RegctlError);
      assert.equal(err.exitCode, 3);
      assert.equal(err.message, `no image for platform windows/amd64 in index ${index.digest}; available: linux/amd64, linux/arm64/v8, linux/s390x`);
      return true;
    });
    assert.equal(dst.blobCount, 0);
  });

  test('a subset: a new index of just those platforms, in the order asked, whose digest names its bytes', async () => {
    const { src, index, images } = await threePlatforms();
    const [amd, arm, s390] = images as [RandomImage, RandomImage, RandomImage];
    const dst = new MemoryStore();
    const r = await copy(src, 'multi', dst, 'two', { platforms: { mode: 'subset', platforms: [ARM64, AMD64] } });
    assert.equal(r.filtered, true);
    assert.notEqual(r.descriptor.digest, index.digest);
    assert.equal(r.descriptor.mediaType, MediaType.ociIndex);
    const bytes = await bytesOf(dst, r.descriptor);
    assert.equal(sha256Digest(bytes), r.descriptor.digest);
    assert.equal(bytes.length, r.descriptor.size);
    const doc = JSON.parse(bytes.toString()) as { schemaVersion: number; mediaType: string; manifests: Descriptor[] };
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.mediaType, MediaType.ociIndex);
    assert.deepEqual(doc.manifests, [
      { ...arm.manifest, platform: ARM64 },
      { ...amd.manifest, platform: AMD64 },
    ]);
    assert.deepEqual(await dst.resolve('two'), r.descriptor);
    assert.equal(r.copied, 6);
    for (const d of [s390.manifest, ...blobsOf(s390)]) assert.equal(await dst.exists(d), false);
  });

  test('a platform named twice in a subset is listed once', async () => {
    const { src } = await threePlatforms();
    const dst = new MemoryStore();
    const r = await copy(src, 'multi', dst, undefined, { platforms: { mode: 'subset', platforms: [AMD64, { os: 'linux', architecture: 'amd64' }] } });
    const doc = JSON.parse((await bytesOf(dst, r.descriptor)).toString()) as { manifests: Descriptor[] };
    assert.equal(doc.manifests.length, 1);
    assert.deepEqual(dst.list(), new Map(), 'no name without a destination reference');
  });

  test('a plain manifest is copied whatever the platform selection says', async () => {
    const src = new MemoryStore();
    const img = await buildRandomImage(src, { seed: 'single', layers: 1, layerSize: 100, platform: S390X, tag: 'v1' });
    const r = await copy(src, 'v1', new MemoryStore(), 'v1', { platforms: { mode: 'one', platform: AMD64 } });
    assert.deepEqual(r.descriptor, img.manifest);
  });

  test('mounts: blobs another repository holds are mounted (mount events, no bytes moved), the rest copied', async () => {
    const src = new MemoryStore();
    const img = await buildRandomImage(src, { seed: 'mount', layers: 2, layerSize: 3000, tag: 'v1' });
    const base = new MemoryStore();
    const shared = img.layers[0] as Descriptor;
    await base.push(shared, await src.fetch(shared));
    const dst = new MountingStore({ 'team/base': base });
    const events: CopyEvent[] = [];
    const present: string[] = [];
    const r = await copy(src, 'v1', dst, 'v1', {
      listener: (e) => events.push(e),
      mountCandidates: () => ['team/empty', 'team/base'],
      onPresent: (d, how) => void present.push(`${d.digest} ${how}`),
    });
    assert.deepEqual([r.copied, r.skipped, r.mounted], [2, 0, 1]);
    assert.equal(r.bytes, img.config.size + (img.layers[1] as Descriptor).size);
    assert.deepEqual(eventsByDigest(events)[shared.digest], ['queued', 'mount']);
    assert.deepEqual(
      events.find((e) => e.type === 'mount'),
      { type: 'mount', desc: { mediaType: shared.mediaType, digest: shared.digest, size: shared.size }, from: 'team/base' },
    );
    assert.ok(present.includes(`${shared.digest} mounted`));
    assert.deepEqual(
      dst.mounts.filter((m) => m.digest === shared.digest),
      [
        { digest: shared.digest, from: 'team/empty', mounted: false },
        { digest: shared.digest, from: 'team/base', mounted: true },
      ],
    );
    assert.deepEqual(await bytesOf(dst, shared), await bytesOf(src, shared));
  });

  test('without mount candidates a Mounter is never asked', async () => {
    const src = new MemoryStore();
    await buildRandomImage(src, { seed: 'nomount', layers: 1, layerSize: 100, tag: 'v1' });
    const dst = new MountingStore({});
    const r = await copy(src, 'v1', dst, 'v1');
    assert.deepEqual([r.copied, r.mounted], [2, 0]);
    assert.deepEqual(dst.mounts, []);
  });

  test('a source blob that does not match its digest fails the copy and the destination keeps neither it nor the manifest', async () => {
    const src = new MemoryStore();
    const img = await buildRandomImage(src, { seed: 'bad', layers: 1, layerSize: 100, tag: 'v1' });
    const layer = img.layers[0] as Descriptor;
    const lying: Target = {
      fetch: async (d) => (d.digest === layer.digest ? Readable.from([Buffer.alloc(layer.size, 1)]) : src.fetch(d)),
      push: (d, c) => src.push(d, c),
      exists: (d) => src.exists(d),
      resolve: (ref) => src.resolve(ref),
      tag: (d, ref) => src.tag(d, ref),
    };
    const dst = new MemoryStore();
    await assert.rejects(copy(lying, 'v1', dst, 'v1', { concurrency: 1 }), DigestMismatchError);
    assert.equal(await dst.exists(layer), false);
    assert.equal(await dst.exists(img.manifest), false);
    assert.deepEqual(dst.list(), new Map());
  });
});
