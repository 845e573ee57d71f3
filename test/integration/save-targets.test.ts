import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { tempDir } from '../support/cli.js';
import { runReliably as runCli } from '../support/no-internal-error.js';
import { buildRandomImage } from '../support/random-image.js';
import { requireTool } from '../support/tools.js';

let work: { dir: string; remove: () => void };
let cacheDir: string;

before(async () => {
  requireTool('mkfifo');
  work = tempDir('regctl-save-targets-');
  cacheDir = join(work.dir, 'cache');
  const store = await LayoutStore.open(cacheDir, { create: true });
  const image = await buildRandomImage(store, { seed: 'save-targets', layers: 1, layerSize: 4096 });
  await store.tag(image.manifest, 'docker.io/library/alpine:3.20');
});

after(() => work.remove());

/** A reader of a FIFO in a child process (`cat`), which the test can stop if no writer ever comes. */
function drainFifo(path: string): { bytes: Promise<Buffer>; stop: () => void } {
  const child = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const bytes = new Promise<Buffer>((resolve) => child.on('close', () => resolve(Buffer.concat(chunks))));
  return { bytes, stop: () => child.kill('SIGKILL') };
}

test('save -o FIFO writes into the FIFO (its reader gets the archive) and leaves it a FIFO', async () => {
  const fifo = join(work.dir, 'archive.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = drainFifo(fifo);
  const r = await runCli(['--cache-dir', cacheDir, 'save', 'alpine:3.20', '-o', fifo], { timeout: 30_000 });
  const stillFifo = lstatSync(fifo).isFIFO();
  if (!stillFifo || r.code !== 0) reader.stop();
  assert.equal(r.code, 0, r.stderr);
  assert.ok(stillFifo, 'the FIFO is still a FIFO, not replaced by a file');
  const got = await reader.bytes;
  const file = join(work.dir, 'reference.tar');
  const ref = await runCli(['--cache-dir', cacheDir, 'save', 'alpine:3.20', '-o', file]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.ok(got.equals(readFileSync(file)), `the FIFO reader got ${got.length} bytes, the same archive as a file`);
});

test('save -o FILE replaces a regular file whole; through a symlink it replaces the target and keeps the link', async () => {
  const file = join(work.dir, 'old.tar');
  writeFileSync(file, 'old content');
  const r = await runCli(['--cache-dir', cacheDir, 'save', 'alpine:3.20', '-o', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(statSync(file).isFile());
  assert.ok(statSync(file).size > 1024);
  const link = join(work.dir, 'link.tar');
  const target = join(work.dir, 'target.tar');
  writeFileSync(target, 'old');
  symlinkSync(target, link);
  const viaLink = await runCli(['--cache-dir', cacheDir, 'save', 'alpine:3.20', '-o', link]);
  assert.equal(viaLink.code, 0, viaLink.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the symlink is kept');
  assert.equal(readlinkSync(link), target);
  assert.ok(readFileSync(target).equals(readFileSync(file)), 'the archive went to the symlink target');
});

test('save -o onto a directory or a socket is a usage error that changes nothing', async () => {
  const r = await runCli(['--cache-dir', cacheDir, 'save', 'alpine:3.20', '-o', work.dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^Error: cannot write the archive to .*: it is a directory$/m);
  assert.ok(statSync(work.dir).isDirectory());
  const socketPath = join(work.dir, 'sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const s = await runCli(['--cache-dir', cacheDir, 'save', 'alpine:3.20', '-o', socketPath]);
    assert.equal(s.code, 2, s.stderr);
    assert.match(s.stderr, /^Error: cannot write the archive to .*: it is a socket; save writes to a file, a FIFO or a character device$/m);
    assert.ok(lstatSync(socketPath).isSocket(), 'the socket is left alone');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
