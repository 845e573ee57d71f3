import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prune } from '../../src/layout/gc.js';
import { acquireLease } from '../../src/layout/lease.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { sha256Digest } from '../../src/oci/digest.js';

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
    await release();
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
