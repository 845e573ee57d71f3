import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { humanSize } from '../../src/commands/format.js';
import { isolatedEnv, REGCTL_BIN, tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry, type FaultyOptions } from '../support/faulty-registry.js';
import { assertNoInternalError, runReliably as runCli } from '../support/no-internal-error.js';

const ESC = String.fromCharCode(27);

/** A child regctl the test can signal, with what it printed. */
interface Child {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[], viaTty?: { columns: number }): Child {
  const regctl = [process.execPath, REGCTL_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  // script(1) gives regctl a real pseudo-terminal of the width asked for; its output is the terminal's.
  const child = viaTty
    ? spawn('script', ['-qefc', `stty cols ${viaTty.columns} rows 24; exec ${regctl}`, '/dev/null'], { env: { PATH: process.env['PATH'], ...isolatedEnv() } })
    : spawn(process.execPath, [REGCTL_BIN, ...args], { env: { PATH: process.env['PATH'], ...isolatedEnv() } });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  child.stdin?.end();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })),
  );
  return { pid: child.pid ?? 0, done };
}

/** The pid of the regctl process whose command line names `marker` (under script(1) it is a grandchild). */
function regctlPid(marker: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(REGCTL_BIN) && cmd.includes(marker) && !cmd.includes('script')) return Number(name);
    } catch {
      // gone
    }
  }
  throw new Error(`no regctl process with ${marker}`);
}

describe('Ctrl-C and progress', () => {
  let registry: FaultyRegistry | undefined;
  let dir: { dir: string; remove: () => void } | undefined;
  let release = (): void => undefined;
  afterEach(async () => {
    release();
    await registry?.close();
    dir?.remove();
  });

  /** A registry whose second layer is held until `release()`; `arrived` resolves when a pull asks for it. */
  async function heldRegistry(extra: FaultyOptions = {}): Promise<{ arrived: Promise<void>; cache: string; ref: string; fetched: (digest: string) => number }> {
    let arrive = (): void => undefined;
    const arrived = new Promise<void>((r) => {
      arrive = r;
    });
    let held = true;
    const gate = new Promise<void>((r) => {
      release = () => {
        held = false;
        r();
      };
    });
    registry = await startFaultyRegistry({
      seed: 'interrupt',
      layers: 2,
      layerSize: 64 * 1024,
      blobGate: async (digest) => {
        if (digest !== registry?.image.layers[1]?.digest || !held) return;
        arrive();
        await gate;
      },
      ...extra,
    });
    dir = tempDir('regctl-interrupt-');
    const r = registry;
    return {
      arrived,
      cache: join(dir.dir, 'cache'),
      ref: `${r.host}/team/app:v1`,
      fetched: (digest) => r.requests.filter((q) => q.method === 'GET' && q.url.endsWith(`/blobs/${digest}`)).length,
    };
  }

  it('SIGINT mid-pull: one line saying what was interrupted and what is kept, exit 130, the cache valid; the next pull fetches only the rest', async () => {
    const { arrived, cache, ref, fetched } = await heldRegistry();
    // --concurrency 1: config, first layer, then the held one, so the first two are stored when it is asked for.
    const child = start(['--cache-dir', cache, '--concurrency', '1', '--progress', 'plain', 'pull', ref]);
    await arrived;
    process.kill(child.pid, 'SIGINT');
    const r = await child.done;
    assertNoInternalError(r);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    const kept = humanSize(registry!.image.config.size + registry!.image.layers[0]!.size);
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), `pull of ${ref} interrupted; ${kept} kept for the next run`);
    const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.deepEqual(index.manifests, [], 'nothing named');
    const check = await runCli(['--cache-dir', cache, 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    release();
    const again = await runCli(['--cache-dir', cache, 'pull', ref]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(fetched(registry!.image.config.digest), 1, 'the config was kept');
    assert.equal(fetched(registry!.image.layers[0]!.digest), 1, 'the first layer was kept');
    assert.ok(!existsSync(join(cache, 'index.json.lock')));
  });

  it('SIGINT on a terminal: the live frame ends with a newline, the cursor is shown again, exit 130', async () => {
    const { arrived, cache, ref } = await heldRegistry();
    const child = start(['--cache-dir', cache, '--concurrency', '1', 'pull', ref], { columns: 60 });
    await arrived;
    // Let the display draw a frame or two before the interrupt.
    await new Promise((r) => setTimeout(r, 300));
    process.kill(regctlPid(cache), 'SIGINT');
    const r = await child.done;
    assert.equal(r.code, 130, r.stdout);
    const screen = r.stdout;
    assert.ok(screen.includes('\u001b[?25l'), 'the live display hid the cursor');
    const frameEnd = screen.lastIndexOf('\u001b[?25h');
    assert.ok(frameEnd > 0, 'the cursor was shown again');
    assert.match(screen.slice(frameEnd), /^.{6}pull of .* interrupted; [\d.]+kB kept for the next run\r?\n$/, JSON.stringify(screen.slice(-200)));
    assert.match(screen.slice(0, frameEnd), /\n$/, 'the last frame was finished with a newline before the cursor came back');
    // Every line of every frame fits the 60 columns it was drawn for (the closing message may wrap).
    const plain = screen.slice(0, frameEnd).replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '');
    for (const l of plain.split(/\r?\n|\r/)) assert.ok([...l].length <= 60, `"${l}" is wider than the terminal`);
  });

  it('--progress plain: a warning line per retry (what failed, when the next attempt is) and a closing summary', async () => {
    registry = await startFaultyRegistry({ seed: 'retry-lines', layers: 1, layerSize: 32 * 1024, blobFailures: 1 });
    dir = tempDir('regctl-progress-');
    const r = await runCli(['--cache-dir', join(dir.dir, 'cache'), '--progress', 'plain', 'pull', `${registry.host}/team/app:v1`]);
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('WARNING:'));
    assert.equal(warnings.length, 2, r.stderr);
    for (const w of warnings)
      assert.match(
        w,
        /^WARNING: GET http:\/\/127\.0\.0\.1:\d+\/v2\/team\/app\/blobs\/sha256:[a-f0-9]{64} failed \(HTTP 503\); next attempt in 1 s \(retry 1 of 3\)$/,
      );
    assert.match(r.stderr, /^pulled 1 layer, [\d.]+kB in [\d.]+ s$/m);
  });
});
