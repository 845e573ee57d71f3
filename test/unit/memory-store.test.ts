import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { MemoryStore } from '../../src/content/memory-store.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { runTargetContract } from '../support/target-contract.js';

runTargetContract('MemoryStore', async () => new MemoryStore());

test('MemoryStore keeps nothing after a failed push and lists names', async () => {
  const store = new MemoryStore();
  const bytes = Buffer.from('hello');
  const desc = { mediaType: 'application/octet-stream', digest: sha256Digest('other'), size: 5 };
  await assert.rejects(store.push(desc, Readable.from([bytes])), /digest mismatch/);
  assert.equal(store.blobCount, 0);
  assert.equal(store.list().size, 0);
});

test('MemoryStore rejects when the source stream fails', async () => {
  const store = new MemoryStore();
  const desc = { mediaType: 'application/octet-stream', digest: sha256Digest('abc'), size: 3 };
  const source = new Readable({
    read() {
      this.destroy(new Error('connection reset'));
    },
  });
  await assert.rejects(store.push(desc, source), /connection reset/);
  assert.equal(await store.exists(desc), false);
});
