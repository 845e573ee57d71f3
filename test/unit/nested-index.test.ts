import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copy } from '../../src/content/copy.js';
import { MemoryStore } from '../../src/content/memory-store.js';
import { descend } from '../../src/content/platform-select.js';
import { RegctlError } from '../../src/errors.js';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { buildRandomImage } from '../support/random-image.js';

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const S390X: Platform = { os: 'linux', architecture: 's390x' };
const INDEX = 'application/vnd.oci.image.index.v1+json';

async function putIndex(store: MemoryStore, manifests: Descriptor[]): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }));
  const desc = { mediaType: INDEX, digest: sha256Digest(bytes), size: bytes.length };
  await store.pushBytes(desc, bytes);
  return desc;
}

/** outer → [inner (no platform) → [amd64, arm64]], [s390x manifest without a platform in its descriptor]. */
async function nested(): Promise<{ src: MemoryStore; outer: Descriptor; images: Record<string, Descriptor> }> {
  const src = new MemoryStore();
  const images: Record<string, Descriptor> = {};
  for (const p of [AMD64, ARM64, S390X])
    images[p.architecture] = (await buildRandomImage(src, { seed: `nested-${p.architecture}`, layers: 1, layerSize: 64, platform: p })).manifest;
  const inner = await putIndex(src, [
    { ...images['amd64']!, platform: AMD64 },
    { ...images['arm64']!, platform: ARM64 },
  ]);
  const outer = await putIndex(src, [inner, images['s390x']!]);
  await src.tag(outer, 'outer');
  return { src, outer, images };
}

test('a platform is found inside a nested index and by an unplatformed manifest’s config, as containerd does', async () => {
  const { src, outer, images } = await nested();
  for (const [p, arch] of [
    [ARM64, 'arm64'],
    [AMD64, 'amd64'],
    [S390X, 's390x'],
  ] as const) {
    const dst = new MemoryStore();
    const r = await copy(src, 'outer', dst, 'x', { platforms: { mode: 'one', platform: p } });
    assert.equal(r.descriptor.digest, images[arch]!.digest, arch);
    assert.equal(r.descriptor.annotations?.['io.regctl.image.index.digest'], outer.digest);
    assert.deepEqual(r.descriptor.platform, p);
  }
  const missing = await copy(src, 'outer', new MemoryStore(), 'x', { platforms: { mode: 'one', platform: { os: 'windows', architecture: 'amd64' } } }).catch(
    (e: unknown) => e,
  );
  assert.ok(missing instanceof RegctlError && missing.kind === 'not-found');
  assert.match(missing.message, /available: linux\/amd64, linux\/arm64\/v8, linux\/s390x$/);
});

test('copying a nested index whole keeps every level; a platform subset writes a flat index', async () => {
  const { src, outer, images } = await nested();
  const all = new MemoryStore();
  await copy(src, 'outer', all, 'x');
  assert.equal(all.blobCount, src.blobCount);
  const sub = new MemoryStore();
  const r = await copy(src, 'outer', sub, 'x', { platforms: { mode: 'subset', platforms: [ARM64, S390X] } });
  assert.ok(r.filtered);
  const chunks: Buffer[] = [];
  for await (const c of await sub.fetch(r.descriptor)) chunks.push(c as Buffer);
  const index = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { manifests: Descriptor[] };
  assert.deepEqual(
    index.manifests.map((m) => [m.digest, m.platform]),
    [
      [images['arm64']!.digest, ARM64],
      [images['s390x']!.digest, S390X],
    ],
  );
  assert.notEqual(r.descriptor.digest, outer.digest);
});

async function chain(levels: number): Promise<MemoryStore> {
  const src = new MemoryStore();
  const img = await buildRandomImage(src, { seed: 'deep', layers: 1, layerSize: 64, platform: AMD64 });
  let desc: Descriptor = { ...img.manifest, platform: AMD64 };
  for (let i = 0; i < levels; i++) desc = await putIndex(src, [desc]);
  await src.tag(desc, 'deep');
  return src;
}

test('nesting is followed to 8 indexes on a path and refused past it, whole or by platform', async () => {
  const ok = await chain(8);
  await copy(ok, 'deep', new MemoryStore(), 'x', { platforms: { mode: 'one', platform: AMD64 } });
  await copy(ok, 'deep', new MemoryStore(), 'x');
  const deep = await chain(9);
  for (const platforms of [{ mode: 'one', platform: AMD64 } as const, { mode: 'all' } as const]) {
    const err = await copy(deep, 'deep', new MemoryStore(), 'x', { platforms }).catch((e: unknown) => e);
    assert.ok(err instanceof RegctlError && err.kind === 'failed', String(err));
    assert.match(err.message, /^index sha256:[a-f0-9]{64} nests indexes more than 8 levels deep \(at sha256:[a-f0-9]{64}\); refusing to follow it$/);
  }
});

test('an index met again on its own path is a cycle', () => {
  const d = (digest: string): Descriptor => ({ mediaType: INDEX, digest, size: 1 });
  assert.deepEqual(descend(['sha256:a'], d('sha256:b')), ['sha256:a', 'sha256:b']);
  assert.throws(() => descend(['sha256:a', 'sha256:b'], d('sha256:a')), /index sha256:a refers back to sha256:a: a cycle of indexes/);
});
