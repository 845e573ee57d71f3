import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DigestMismatchError, RegctlError } from '../../src/errors.js';
import { ingestPaths, pruneIngests } from '../../src/layout/ingest-files.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Descriptor } from '../../src/oci/descriptor.js';

const MiB = 1024 * 1024;

function descOf(bytes: Buffer): Descriptor {
  return { mediaType: 'application/octet-stream', digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

async function layout(t: { after: (fn: () => void) => void }): Promise<LayoutStore> {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-ingest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return LayoutStore.open(dir, { create: true });
}

const ingestFiles = (store: LayoutStore): string[] => readdirSync(join(store.dir, '.tmp', 'ingest')).filter((n) => !n.endsWith('.lock'));

test('an ingest written in order is hashed as it goes and named only at commit', async (t) => {
  const store = await layout(t);
  const bytes = randomBytes(3 * MiB + 17);
  const desc = descOf(bytes);
  const ingest = await store.ingest(desc);
  assert.deepEqual(ingest.missing(), [[0, desc.size]]);
  for (let at = 0; at < bytes.length; at += 100_000) ingest.write(bytes.subarray(at, at + 100_000), at);
  assert.equal(ingest.held, desc.size);
  assert.equal(await store.exists(desc), false, 'named before commit');
  await ingest.commit();
  assert.ok(readFileSync(store.blobPath(desc.digest)).equals(bytes));
  assert.deepEqual(ingestFiles(store), []);
  await ingest.close();
});

test('segments written out of order: the hash catches up from the file when the gap before them closes', async (t) => {
  const store = await layout(t);
  const bytes = randomBytes(5 * MiB);
  const desc = descOf(bytes);
  const ingest = await store.ingest(desc);
  const seg = MiB;
  for (const i of [3, 1, 4, 2]) ingest.write(bytes.subarray(i * seg, (i + 1) * seg), i * seg);
  assert.deepEqual(ingest.missing(), [[0, seg]]);
  ingest.write(bytes.subarray(0, seg), 0);
  assert.deepEqual(ingest.missing(), []);
  await ingest.commit();
  assert.ok(readFileSync(store.blobPath(desc.digest)).equals(bytes));
});

test('closed early, an ingest keeps its bytes; the next one re-hashes them and continues', async (t) => {
  const store = await layout(t);
  const bytes = randomBytes(4 * MiB);
  const desc = descOf(bytes);
  const first = await store.ingest(desc);
  first.validator = '"etag-1"';
  first.write(bytes.subarray(0, MiB), 0);
  first.write(bytes.subarray(2 * MiB, 3 * MiB), 2 * MiB);
  await first.close();
  const second = await store.ingest(desc);
  assert.equal(second.resumed, true);
  assert.equal(second.held, 2 * MiB);
  assert.equal(second.validator, '"etag-1"');
  assert.deepEqual(second.missing(), [
    [MiB, 2 * MiB],
    [3 * MiB, 4 * MiB],
  ]);
  second.write(bytes.subarray(3 * MiB), 3 * MiB);
  second.write(bytes.subarray(MiB, 2 * MiB), MiB);
  await second.commit();
  assert.ok(readFileSync(store.blobPath(desc.digest)).equals(bytes));
});

test('kept bytes that no longer match their record are not trusted: the next ingest starts from 0', async (t) => {
  const store = await layout(t);
  const bytes = randomBytes(2 * MiB);
  const desc = descOf(bytes);
  const first = await store.ingest(desc);
  first.write(bytes.subarray(0, MiB), 0);
  await first.close();
  const data = ingestPaths(store.dir, desc.digest).data;
  const damaged = readFileSync(data);
  damaged[1000] = (damaged[1000] as number) ^ 1;
  writeFileSync(data, damaged);
  const second = await store.ingest(desc);
  assert.equal(second.resumed, false);
  assert.equal(second.held, 0);
  assert.deepEqual(second.missing(), [[0, desc.size]]);
  second.write(bytes, 0);
  await second.commit();
  assert.ok(readFileSync(store.blobPath(desc.digest)).equals(bytes));
});

test('too many bytes, wrong bytes and restart', async (t) => {
  const store = await layout(t);
  const bytes = randomBytes(64 * 1024);
  const desc = descOf(bytes);
  const ingest = await store.ingest(desc);
  assert.throws(
    () => ingest.write(Buffer.concat([bytes, Buffer.from('x')]), 0),
    (err: unknown) => err instanceof RegctlError && err.kind === 'integrity' && /larger than its declared size/.test(err.message),
  );
  const wrong = Buffer.from(bytes);
  wrong[5] = (wrong[5] as number) ^ 1;
  ingest.write(wrong, 0);
  await assert.rejects(ingest.commit(), DigestMismatchError);
  ingest.restart();
  assert.equal(ingest.held, 0);
  ingest.write(bytes.subarray(0, 10), 0);
  await ingest.close(true);
  assert.deepEqual(ingestFiles(store), [], 'a discarded ingest leaves nothing');
  assert.equal(await store.exists(desc), false);
});

test('a blob another ingest of this process is writing goes to a private temp file; both can finish', async (t) => {
  const store = await layout(t);
  const bytes = randomBytes(MiB);
  const desc = descOf(bytes);
  const a = await store.ingest(desc);
  const b = await store.ingest(desc);
  b.write(bytes, 0);
  a.write(bytes, 0);
  await b.commit();
  await a.commit();
  assert.ok(readFileSync(store.blobPath(desc.digest)).equals(bytes));
  assert.deepEqual(ingestFiles(store), []);
  assert.deepEqual(
    readdirSync(join(store.dir, '.tmp')).filter((n) => n.endsWith('.blob')),
    [],
  );
});

test('pruneIngests removes partials nobody owns (or whose owner is dead) and keeps one being written', async (t) => {
  const store = await layout(t);
  const kept = randomBytes(MiB);
  const live = randomBytes(MiB);
  const orphan = await store.ingest(descOf(kept));
  orphan.write(kept.subarray(0, 300_000), 0);
  await orphan.close();
  const writing = await store.ingest(descOf(live));
  writing.write(live.subarray(0, 200_000), 0);
  const dead = ingestPaths(store.dir, descOf(randomBytes(10)).digest);
  writeFileSync(dead.data, 'x'.repeat(100));
  writeFileSync(dead.owner, JSON.stringify({ pid: 999_999_999, host: hostname() }));
  const result = await pruneIngests(store.dir, 3_600_000);
  assert.equal(result.files, 2);
  assert.ok(result.bytes >= 300_000, String(result.bytes));
  const left = ingestFiles(store);
  assert.ok(
    left.some((n) => n.startsWith(descOf(live).digest.replace(':', '-'))),
    left.join(', '),
  );
  assert.ok(!left.some((n) => n.startsWith(descOf(kept).digest.replace(':', '-'))), left.join(', '));
  writing.write(live.subarray(200_000), 200_000);
  await writing.commit();
});
