import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListingMemo } from '../../src/layout/listing-memo.js';

const hex = (c: string): string => c.repeat(64);
const manifest = `sha256:${hex('a')}`;
const config = `sha256:${hex('b')}`;

async function layout(t: { after: (fn: () => Promise<void>) => void }, blobs: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-listing-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const d of blobs) await writeFile(join(dir, 'blobs', 'sha256', d.slice('sha256:'.length)), '{}');
  return dir;
}

test('an entry is kept across runs and used only while its manifest and config are stored', async (t) => {
  const dir = await layout(t, [manifest, config]);
  const first = await ListingMemo.open(dir);
  assert.equal(first.lookup(manifest), undefined);
  first.record(manifest, { size: 42, config, created: '2024-01-01T00:00:00Z', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  await first.save();
  const second = await ListingMemo.open(dir);
  assert.deepEqual(second.lookup(manifest), {
    size: 42,
    config,
    created: '2024-01-01T00:00:00Z',
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  });
  await rm(join(dir, 'blobs', 'sha256', hex('b')));
  assert.equal((await ListingMemo.open(dir)).lookup(manifest), undefined, 'not while the config is missing');
  await rm(join(dir, 'blobs', 'sha256', hex('a')));
  await writeFile(join(dir, 'blobs', 'sha256', hex('b')), '{}');
  assert.equal((await ListingMemo.open(dir)).lookup(manifest), undefined, 'not while the manifest is missing');
});

test('save with the listed manifests forgets the others; without, keeps them', async (t) => {
  const other = `sha256:${hex('c')}`;
  const dir = await layout(t, [manifest, config, other]);
  const memo = await ListingMemo.open(dir);
  memo.record(manifest, { size: 1, config });
  memo.record(other, { size: 2, config });
  await memo.save(new Set([manifest, other]));
  const again = await ListingMemo.open(dir);
  await again.save(new Set([manifest]));
  const doc = JSON.parse(await readFile(join(dir, '.regctl', 'listing.json'), 'utf8')) as { images: Record<string, unknown> };
  assert.deepEqual(Object.keys(doc.images), [manifest]);
});

test('a damaged memo or entry is ignored', async (t) => {
  const dir = await layout(t, [manifest, config]);
  await mkdir(join(dir, '.regctl'));
  const file = join(dir, '.regctl', 'listing.json');
  const bad = [
    '',
    '{',
    '[]',
    JSON.stringify({ images: { [manifest]: { size: '1', config } } }),
    JSON.stringify({ images: { [manifest]: { size: 1 } } }),
    JSON.stringify({ images: { [manifest]: { size: 1, config, platform: { os: 'linux' } } } }),
    JSON.stringify({ images: { [manifest]: { size: 1, config, created: 5 } } }),
  ];
  for (const text of bad) {
    await writeFile(file, text);
    assert.equal((await ListingMemo.open(dir)).lookup(manifest), undefined, text);
  }
});
