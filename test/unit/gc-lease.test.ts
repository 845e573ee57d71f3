import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prune } from '../../src/layout/gc.js';
import { acquireLease, type Lease } from '../../src/layout/lease.js';
import { IncompleteImageError } from '../../src/layout/image-check.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { buildRandomImage, type RandomImage } from '../support/random-image.js';

async function layoutWithLooseBlob(): Promise<{ store: LayoutStore; path: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-lease-'));
  const store = await LayoutStore.open(dir, { create: true });
  const bytes = Buffer.from('a blob no image references yet');
  const desc = { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length };
  await store.pushBytes(desc, bytes);
  return { store, path: store.blobPath(desc.digest), dir };
}

test('a live lease keeps blobs written during the transfer; releasing it lets prune free them', async () => {
  const { store, path, dir } = await layoutWithLooseBlob();
  try {
    const release = await acquireLease(dir);
    // The blob predates the lease by less than the slack, as in a pull that just started.
    let r = await prune(store);
    assert.equal(r.removed.length, 0);
    assert.ok(existsSync(path));
    await release.release();
    r = await prune(store);
    assert.equal(r.removed.length, 1);
    assert.ok(!existsSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lease left by a dead process protects nothing and is cleaned up', async () => {
  const { store, path, dir } = await layoutWithLooseBlob();
  try {
    writeFileSync(join(dir, '.tmp', '999999999.abcdef.lease'), '{}');
    const r = await prune(store);
    assert.equal(r.removed.length, 1);
    assert.ok(!existsSync(path));
    assert.ok(!existsSync(join(dir, '.tmp', '999999999.abcdef.lease')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a blob a live lease holds is kept however old it is; the lease file lists it', async () => {
  const { store, path, dir } = await layoutWithLooseBlob();
  try {
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(path, hourAgo, hourAgo);
    const digest = `sha256:${path.split('/').pop()}`;
    const lease = await acquireLease(dir);
    await lease.hold(digest);
    const r = await prune(store);
    assert.deepEqual(r.removed, [], 'held: kept');
    assert.ok(existsSync(path));
    await lease.release();
    assert.equal((await prune(store)).removed.length, 1, 'released: freed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs `body` on a fresh layout holding one random image, with a lease on it (released after). */
async function withLeasedImage(seed: string, body: (store: LayoutStore, img: RandomImage, lease: Lease) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-lease-view-'));
  try {
    const store = await LayoutStore.open(dir, { create: true });
    const img = await buildRandomImage(store, { seed, layers: 2, layerSize: 256 });
    const lease = await acquireLease(dir);
    try {
      await body(store, img, lease);
    } finally {
      await lease.release();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a leased view of a layout names only whole images: a missing layer refuses the tag (IncompleteImageError)', () =>
  withLeasedImage('lease-tag', async (store, img, lease) => {
    rmSync(store.blobPath(img.layers[1]!.digest));
    await assert.rejects(
      () => store.leased(lease).tag(img.manifest, 'example.com/a:1'),
      (err: unknown) =>
        err instanceof IncompleteImageError &&
        err.exitCode === 1 &&
        err.message === `cannot name example.com/a:1: layer ${img.layers[1]!.digest} missing in the cache`,
    );
    assert.deepEqual(await store.list(), [], 'nothing was named');
    await store.tag(img.manifest, 'example.com/a:1');
    assert.equal((await store.list()).length, 1, 'a plain tag (regctl tag) still names what the user points at');
  }));

test('a leased view re-hashes small blobs it finds: a damaged config of the right size is removed and reported absent', () =>
  withLeasedImage('lease-rehash', async (store, img, lease) => {
    const path = store.blobPath(img.config.digest);
    const bytes = readFileSync(path);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(path, bytes);
    assert.equal(await store.exists(img.config), true, 'the plain view checks the size only');
    assert.equal(await store.leased(lease).exists(img.config), false);
    assert.ok(!existsSync(path), 'the damaged copy is gone, so the transfer writes a good one');
  }));
