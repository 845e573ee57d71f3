import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { REGCTL_BIN, isolatedEnv, tempDir } from '../support/cli.js';
import { HttpSink } from '../support/http-sink.js';
import { buildRandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

// Commands that talk to no registry must start without undici, zod and Node's TLS/HTTP modules
// (issue 13: they cost ~100 ms of every start). What a run loaded is traced by a preload
// (support/load-trace.ts); which bundle chunk holds which package, by esbuild's metafile.
const here = dirname(fileURLToPath(import.meta.url));
const TRACE_PRELOAD = resolve(here, '../support/load-trace.js');
const BUNDLE = resolve(dirname(REGCTL_BIN), '../dist/bundle');

interface Trace {
  chunks: string[];
  builtins: Set<string>;
}

/** Output files of the bundle that hold code of `pkg` (node_modules/PKG). */
function chunksOf(pkg: string): Set<string> {
  const meta = JSON.parse(readFileSync(join(BUNDLE, '..', 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const holding = Object.entries(meta.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => i.includes(`node_modules/${pkg}/`)));
  return new Set(holding.map(([file]) => basename(file)));
}

let cache: { dir: string; remove: () => void };
let traceDir: { dir: string; remove: () => void };
let reg: RunningRegistry;
let runs = 0;

/** Runs `regctl ARGS` (on the test's cache unless `bare`) and returns what it loaded. */
function traced(args: string[], bare = false): Trace {
  const out = join(traceDir.dir, `trace-${runs++}.txt`);
  const r = spawnSync(process.execPath, ['--import', TRACE_PRELOAD, REGCTL_BIN, ...(bare ? [] : ['--cache-dir', cache.dir]), ...args], {
    env: { PATH: process.env['PATH'], ...isolatedEnv(), REGCTL_LOAD_TRACE: out },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `regctl ${args.join(' ')}: ${r.stderr}`);
  const lines = readFileSync(out, 'utf8').split('\n');
  const chunks = lines.filter((l) => l.startsWith('module ') && l.includes('/dist/bundle/')).map((l) => basename(l.slice('module '.length)));
  const builtins = new Set(lines.filter((l) => l.startsWith('builtin ')).map((l) => l.slice('builtin '.length)));
  return { chunks: [...new Set(chunks)], builtins };
}

before(async () => {
  cache = tempDir('regctl-startup-');
  traceDir = tempDir('regctl-startup-trace-');
  const store = await LayoutStore.open(cache.dir, { create: true });
  const image = await buildRandomImage(store, { seed: 'startup', layers: 1, layerSize: 1024 });
  await store.tag(image.manifest, 'localhost:5000/app:v1');
  reg = await startRegistry({ mode: 'open' });
});

after(async () => {
  await reg?.stop();
  cache.remove();
  traceDir.remove();
});

const LOCAL_RUNS: [string, string[]][] = [
  ['--help', ['--help']],
  ['help pull', ['help', 'pull']],
  ['images', ['images']],
  ['images --json', ['images', '--json']],
  ['tag', ['tag', 'localhost:5000/app:v1', 'localhost:5000/app:other']],
  ['inspect (the cache)', ['inspect', 'localhost:5000/app:v1']],
  ['rmi', ['rmi', 'localhost:5000/app:other']],
  ['version', ['version']],
  ['completion bash', ['completion', 'bash']],
  ['__complete images (the shell completion of names)', ['__complete', 'images']],
];

for (const [what, args] of LOCAL_RUNS) {
  test(`${what} loads neither undici nor zod, nor node:tls, node:http or node:http2`, () => {
    const { chunks, builtins } = traced(args);
    assert.ok(chunks.length > 1, `the trace saw the bundle load: ${chunks.join(', ')}`);
    for (const pkg of ['undici', 'zod']) {
      const held = chunksOf(pkg);
      assert.ok(held.size > 0, `the metafile names the chunk holding ${pkg}`);
      assert.deepEqual(
        chunks.filter((c) => held.has(c)),
        [],
        `${what} loaded ${pkg}`,
      );
    }
    for (const builtin of ['tls', 'http', 'http2']) assert.ok(!builtins.has(builtin), `${what} loaded node:${builtin}`);
  });
}

test('--version loads main.js alone (and esbuild runtime), not the CLI', () => {
  const { chunks, builtins } = traced(['--version'], true);
  const commander = chunksOf('commander');
  assert.ok(chunks.includes('main.js'));
  assert.deepEqual(
    chunks.filter((c) => commander.has(c)),
    [],
  );
  assert.ok(chunks.length <= 2, `--version loaded ${chunks.join(', ')}`);
  assert.ok(!builtins.has('child_process'), '--version loaded child_process');
});

test('the trace sees what it claims to check: a first pull loads undici and node:http; a re-pull over plain HTTP neither undici, zod, http, tls nor http2', async () => {
  await buildRandomImage(new HttpSink(reg.url, 'startup/app'), { seed: 'startup-pull', layers: 1, layerSize: 1024, tag: 'v1' });
  const undici = chunksOf('undici');
  const zod = chunksOf('zod');
  // The first pull probes TLS through undici (and remembers that the registry answered in plain HTTP).
  const first = traced(['pull', '-q', `${reg.host}/startup/app:v1`]);
  assert.ok(first.builtins.has('tls'), 'the first pull probed TLS');
  assert.ok(
    first.chunks.some((c) => undici.has(c)),
    'the first pull loaded undici',
  );
  assert.ok(first.builtins.has('http'), 'the first pull loaded node:http');
  // The re-pull sends one manifest GET, which the socket fast path takes: undici is never loaded.
  const { chunks, builtins } = traced(['pull', '-q', `${reg.host}/startup/app:v1`]);
  assert.deepEqual(
    chunks.filter((c) => undici.has(c) || zod.has(c)),
    [],
    'a re-pull from an open registry loads neither undici nor zod',
  );
  for (const builtin of ['http', 'tls', 'http2', 'child_process', 'v8']) assert.ok(!builtins.has(builtin), `a plain-HTTP re-pull loaded node:${builtin}`);
});
