import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry } from '../support/faulty-registry.js';
import { runReliably } from '../support/no-internal-error.js';
import { buildRandomImage } from '../support/random-image.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

/** Exactly one `Error:` line on stderr, matching `line`, and the exit code wanted. */
function assertOneError(r: { code: number; stderr: string }, code: number, line: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] as string, line);
}

describe('bad input gets its own one-line message and exit code, never "internal error"', () => {
  let cache: { dir: string; remove: () => void };
  before(() => {
    cache = tempDir('regctl-bad-input-');
  });
  after(() => cache.remove());

  for (const args of [
    ['pull', 'localhost:99999/team/app:1'],
    ['tags', 'localhost:70000/team/app'],
    ['digest', '127.0.0.1:123456/app:1'],
    ['catalog', 'localhost:65536'],
    ['pull', 'localhost:0/team/app:1'],
  ]) {
    it(`a port out of range: regctl ${args.join(' ')} → exit 2`, async () => {
      const r = await runReliably(['--cache-dir', cache.dir, ...args]);
      assertOneError(r, 2, /^Error: invalid (reference|repository|registry) ".*": port \d+ is out of range \(1-65535\)$/);
      assert.equal(r.stdout, '');
    });
  }

  describe('a registry challenging with a relative token realm (Bearer realm="/token")', () => {
    let registry: FaultyRegistry;
    before(async () => {
      registry = await startFaultyRegistry({ bearerRealm: '/token' });
    });
    after(() => registry.close());
    for (const args of [
      (h: string) => ['pull', `${h}/team/app:v1`],
      (h: string) => ['tags', `${h}/team/app`],
      (h: string) => ['login', h, '-u', 'alice', '--password-stdin', '--store', 'file'],
    ]) {
      it(`regctl ${args('HOST').join(' ')} → exit 4 naming the realm`, async () => {
        const r = await runReliably(['--cache-dir', cache.dir, ...args(registry.host)], { input: 'secret\n' });
        assertOneError(r, 4, /sent a token realm "\/token" that is not an absolute URL in its WWW-Authenticate challenge$/);
        assert.ok(!registry.requests.some((q) => q.url.startsWith('/token')), 'nothing was sent to a guessed realm');
      });
    }
  });
});

describe('a read-only cache (a tmpfs mounted ro)', () => {
  let disk: Tmpfs;
  let cache: string;
  let registry: FaultyRegistry;
  before(async () => {
    disk = mountTmpfs(8 * 1024 * 1024, 'regctl-ro-cache-');
    cache = join(disk.dir, 'cache');
    const store = await LayoutStore.open(cache, { create: true });
    const img = await buildRandomImage(store, { seed: 'ro-cache', layers: 1, layerSize: 1024 });
    await store.tag(img.manifest, 'docker.io/library/alpine:3.20');
    disk.remount('ro');
    registry = await startFaultyRegistry({ seed: 'ro-cache-pull' });
  });
  after(async () => {
    await registry?.close();
    disk?.remove();
  });

  it('reading works: images and inspect exit 0', async () => {
    const images = await runReliably(['--cache-dir', cache, 'images']);
    assert.equal(images.code, 0, images.stderr);
    assert.match(images.stdout, /alpine\s+3\.20/);
    const inspect = await runReliably(['--cache-dir', cache, 'inspect', 'alpine:3.20']);
    assert.equal(inspect.code, 0, inspect.stderr);
  });

  for (const args of [
    (h: string) => ['pull', `${h}/team/app:v1`],
    () => ['tag', 'alpine:3.20', 'alpine:copy'],
    () => ['rmi', 'alpine:3.20'],
    () => ['prune'],
  ]) {
    it(`writing fails cleanly: regctl ${args('HOST').join(' ')} → exit 1 "…: read-only file system"`, async () => {
      const before = readFileSync(join(cache, 'index.json'));
      const r = await runReliably(['--cache-dir', cache, ...args(registry.host)]);
      assertOneError(r, 1, /^Error: .*cannot (write|create lock|remove) .*: read-only file system$/);
      assert.ok(readFileSync(join(cache, 'index.json')).equals(before));
    });
  }
});
