import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry } from '../support/faulty-registry.js';
import { buildRandomImage } from '../support/random-image.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';
import { assertNoInternalError, runReliably as runCli } from '../support/no-internal-error.js';

/** The lock files the cache may hold; after any command they must be gone. */
function lockLeftovers(cache: string): string[] {
  return readdirSync(cache).filter((n) => n.includes('.lock'));
}

/** One error line, no "internal error", the exit code wanted. */
function assertOneError(r: { code: number; stderr: string }, code: number, line: RegExp): void {
  assertNoInternalError(r);
  assert.equal(r.code, code, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] as string, line);
}

function indexNames(cache: string): string[] {
  const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '');
}

describe('a full disk', () => {
  let disk: Tmpfs;
  let cache: string;
  let registry: FaultyRegistry;

  before(async () => {
    disk = mountTmpfs(4 * 1024 * 1024);
    cache = join(disk.dir, 'cache');
    const store = await LayoutStore.open(cache, { create: true });
    const img = await buildRandomImage(store, { seed: 'full-disk', layers: 1, layerSize: 2048 });
    await store.tag(img.manifest, 'docker.io/library/alpine:3.20');
    registry = await startFaultyRegistry({ seed: 'full-disk-pull', layerSize: 256 * 1024 });
  });
  after(async () => {
    await registry?.close();
    disk?.remove();
  });

  it('tag: "no space left on device writing …/index.json" (exit 1), no lock file left; after space is freed tag works', async () => {
    disk.fill();
    const r = await runCli(['--cache-dir', cache, 'tag', 'alpine:3.20', 'alpine:full']);
    assertOneError(r, 1, /^Error: no space left on device writing .*\/cache\/index\.json/);
    assert.deepEqual(lockLeftovers(cache), [], 'no lock or .break file is left behind');
    disk.free();
    const again = await runCli(['--cache-dir', cache, 'tag', 'alpine:3.20', 'alpine:full']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(indexNames(cache).includes('docker.io/library/alpine:full'));
  });

  it('pull: one line naming the device problem (exit 1), the cache still valid; after space is freed the pull completes', async () => {
    disk.fill();
    const ref = `${registry.host}/team/app:v1`;
    const r = await runCli(['--cache-dir', cache, 'pull', ref]);
    assertOneError(r, 1, /no space left on device writing /);
    assert.deepEqual(lockLeftovers(cache), []);
    assert.ok(!indexNames(cache).includes(ref), 'the image is not named');
    disk.free();
    const again = await runCli(['--cache-dir', cache, 'pull', ref]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(indexNames(cache).includes(ref));
  });

  it('load and save -o: "no space left on device writing PATH" (exit 1), nothing named, no temp file left', async () => {
    const archive = join(disk.dir, '..', `${disk.dir.split('/').pop()}-archive.tar`);
    const saved = await runCli(['--cache-dir', cache, 'save', 'alpine:3.20', '-o', archive]);
    assert.equal(saved.code, 0, saved.stderr);
    const before = indexNames(cache);
    const empty = join(disk.dir, 'empty-cache');
    await LayoutStore.open(empty, { create: true });
    disk.fill();
    try {
      const loaded = await runCli(['--cache-dir', empty, 'load', '-i', archive]);
      assertOneError(loaded, 1, /^Error: no space left on device writing .*\/empty-cache\//);
      assert.deepEqual(indexNames(empty), [], 'nothing loaded is named');
      assert.deepEqual(readdirSync(join(empty, '.tmp')), [], 'the staged files are gone');
      const out = join(disk.dir, 'out.tar');
      const r = await runCli(['--cache-dir', cache, 'save', 'alpine:3.20', '-o', out]);
      assertOneError(r, 1, new RegExp(`^Error: no space left on device writing ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      assert.ok(!existsSync(out), 'no partial archive under the name');
      assert.deepEqual(
        readdirSync(disk.dir).filter((n) => n.includes('.tmp')),
        [],
        'no temp file left beside it',
      );
      assert.deepEqual(indexNames(cache), before);
      assert.deepEqual(lockLeftovers(cache), []);
    } finally {
      disk.free();
      rmSync(archive, { force: true });
    }
  });
});

describe('lock files left empty or half-written (a full disk, a crash) do not wedge the cache', () => {
  for (const [what, lock, guard] of [
    ['empty lock and empty .break guard', '', ''],
    ['half-written lock, no guard', '{"pid":12', undefined],
    ['empty guard only', undefined, ''],
  ] as const) {
    it(what, async (t) => {
      const dir = tempDir('regctl-lock-leftover-');
      t.after(dir.remove);
      const store = await LayoutStore.open(dir.dir, { create: true });
      const img = await buildRandomImage(store, { seed: 'lock-leftover', layers: 1, layerSize: 512 });
      await store.tag(img.manifest, 'docker.io/library/alpine:3.20');
      const old = new Date(Date.now() - 120_000);
      for (const [name, text] of [
        ['index.json.lock', lock],
        ['index.json.lock.break', guard],
      ] as const) {
        if (text === undefined) continue;
        writeFileSync(join(dir.dir, name), text);
        utimesSync(join(dir.dir, name), old, old);
      }
      const r = await runCli(['--cache-dir', dir.dir, 'tag', 'alpine:3.20', 'alpine:again'], { timeout: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(indexNames(dir.dir).includes('docker.io/library/alpine:again'));
      assert.ok(!existsSync(join(dir.dir, 'index.json.lock')), 'the lock is released');
      // A guard matters only while a stale lock is being broken: one that had to be passed is gone.
      if (lock !== undefined) assert.ok(!existsSync(join(dir.dir, 'index.json.lock.break')), 'the stale guard was cleared');
    });
  }
});
