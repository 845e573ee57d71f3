import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { access, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { indexLockPath, updateIndex } from '../../src/layout/index-file.js';
import { withLock } from '../../src/layout/lock.js';
import { Annotation } from '../../src/oci/descriptor.js';
import { buildRandomImage } from '../support/random-image.js';
import { tempFiles, tempLayout } from '../support/layout-check.js';
import { umociLs } from '../support/tools.js';

const WORKER = fileURLToPath(new URL('../support/lock-worker.js', import.meta.url));

function runWorker(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('index.json lock', () => {
  test('two processes adding 50 tags each to one layout lose none', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const img = await buildRandomImage(store, { seed: 'lock', layers: 1, layerSize: 100 });
      const desc = JSON.stringify(img.manifest);
      const [a, b] = await Promise.all([runWorker([dir, 'a', '50', desc]), runWorker([dir, 'b', '50', desc])]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const names = (await store.list()).map((d) => d.annotations?.[Annotation.refName]).sort();
      const expected = [...Array.from({ length: 50 }, (_, i) => `a-${i}`), ...Array.from({ length: 50 }, (_, i) => `b-${i}`)].sort();
      assert.deepEqual(names, expected);
      assert.equal((await umociLs(dir)).length, 100);
      assert.equal(await fileExists(indexLockPath(dir)), false);
      assert.deepEqual(await tempFiles(dir), []);
    } finally {
      await cleanup();
    }
  });

  test('concurrent updates within one process are serialised', async () => {
    const { store, cleanup } = await tempLayout();
    try {
      const img = await buildRandomImage(store, { seed: 'inproc', layers: 1, layerSize: 10 });
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.tag(img.manifest, `t${i}`)));
      assert.equal((await store.list()).length, 40);
    } finally {
      await cleanup();
    }
  });

  test('a lock left by a dead process is broken', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const img = await buildRandomImage(store, { seed: 'dead', layers: 1, layerSize: 10 });
      await writeFile(indexLockPath(dir), JSON.stringify({ pid: deadPid(), host: hostname(), time: Date.now(), nonce: 'dead' }));
      const started = Date.now();
      await store.tag(img.manifest, 'after-dead');
      assert.ok(Date.now() - started < 2000);
      assert.equal((await store.resolve('after-dead')).digest, img.manifest.digest);
      assert.equal(await fileExists(indexLockPath(dir)), false);
    } finally {
      await cleanup();
    }
  });

  test('a lock older than staleMs is broken even if its holder lives', async () => {
    const { dir, cleanup } = await tempLayout();
    try {
      await writeFile(indexLockPath(dir), JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now() - 10_000, nonce: 'old' }));
      const n = await updateIndex(dir, (index) => index.manifests.length, { staleMs: 5_000, timeoutMs: 2_000 });
      assert.equal(n, 0);
    } finally {
      await cleanup();
    }
  });

  test('an unreadable old lock file is broken; a live fresh lock times out with a clear error', async () => {
    const { dir, cleanup } = await tempLayout();
    const lock = indexLockPath(dir);
    try {
      await writeFile(lock, '');
      const past = new Date(Date.now() - 60_000);
      await utimes(lock, past, past);
      await updateIndex(dir, () => undefined, { timeoutMs: 2_000 });

      await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), nonce: 'live' }));
      await assert.rejects(
        updateIndex(dir, () => undefined, { timeoutMs: 150 }),
        (err: unknown) => {
          assert.ok(err instanceof RegctlError);
          assert.equal(err.kind, 'failed');
          assert.match(err.message, new RegExp(`^timed out after 150 ms waiting for lock ${lock} \\(held by pid ${process.pid} on `));
          return true;
        },
      );
      assert.equal(JSON.parse(await readFile(lock, 'utf8')).nonce, 'live', 'the live lock is left alone');
    } finally {
      await cleanup();
    }
  });

  test('withLock releases the lock when the callback throws', async () => {
    const { dir, cleanup } = await tempLayout();
    const lock = join(dir, 'test.lock');
    try {
      await assert.rejects(
        withLock(lock, async () => {
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await fileExists(lock), false);
      assert.equal(await withLock(lock, async () => 7), 7);
    } finally {
      await cleanup();
    }
  });
});
