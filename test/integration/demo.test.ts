import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/cli.js';
import { REPO_ROOT } from '../support/npm.js';
import { requireTool } from '../support/tools.js';

// `npm run demo`: the guided tour must complete offline, and leave nothing behind, also when interrupted.
interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs scripts/demo.mjs; `interruptAt` sends SIGINT once stdout shows that text. */
function demo(env: NodeJS.ProcessEnv, interruptAt?: string): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'demo.mjs')], {
      cwd: REPO_ROOT,
      env: { ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (interruptAt && !sent && stdout.includes(interruptAt)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The registry pid and the temp directory the demo announced. */
function started(stdout: string): { pid: number; dir: string } {
  const m = /^Started \S+ \(pid (\d+)\) on 127\.0\.0\.1:\d+; everything lives in (\S+) and is removed at the end\.$/m.exec(stdout);
  assert.ok(m, `no "Started" line in:\n${stdout}`);
  return { pid: Number(m[1]), dir: m[2] as string };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm run demo completes the tour offline and removes everything it started', async () => {
  requireTool('docker-registry');
  const r = await demo(process.env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  for (const step of [
    '$ regctl pull node',
    '$ regctl images',
    '$ regctl tag node',
    '$ regctl push',
    '$ regctl inspect node',
    '$ regctl digest',
    '$ regctl save node',
    '$ regctl load -i',
  ]) {
    assert.ok(r.stdout.includes(step), `missing step ${step}`);
  }
  assert.match(r.stdout, /^Status: Downloaded newer image for docker\.io\/library\/node:latest$/m, 'a short name pulled through the docker.io mirror');
  assert.match(r.stdout, /^Status: Image is up to date for docker\.io\/library\/node:latest$/m);
  assert.match(r.stdout, /^Loaded image: docker\.io\/library\/node:latest$/m);
  assert.match(r.stdout, /^Tour complete\./m);
  const { pid, dir } = started(r.stdout);
  assert.ok(!existsSync(dir), `${dir} removed`);
  assert.ok(!alive(pid), `registry pid ${pid} stopped`);
});

test('Ctrl-C during the demo stops the registry and removes the temp files (exit 130)', async () => {
  requireTool('docker-registry');
  const r = await demo(process.env, '$ regctl tag node');
  assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /interrupted \(SIGINT\)/);
  assert.doesNotMatch(r.stdout, /Tour complete/);
  const { pid, dir } = started(r.stdout);
  assert.ok(!existsSync(dir), `${dir} removed`);
  assert.ok(!alive(pid), `registry pid ${pid} stopped`);
});

test('without a registry binary the demo says how to get one, exit 1, and leaves nothing', async () => {
  const empty = tempDir('regctl-nopath-');
  try {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('regctl-demo-')).length;
    const r = await demo({ ...process.env, PATH: empty.dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /apt-get install docker-registry/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('regctl-demo-')).length, before);
  } finally {
    empty.remove();
  }
});
