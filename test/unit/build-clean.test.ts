import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The test runner must never run a compiled test whose source is gone (tsc leaves its output behind):
// `npm run build` prunes such files from dist/, and test/run.mjs lists tests from their sources and
// refuses to start while a stale one is in dist/.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('every compiled file in dist/ has its TypeScript source (the build pruned the rest)', () => {
  const orphans = ['src', 'test', 'bench']
    .flatMap((tree) => files(join(ROOT, 'dist', tree)))
    .filter((p) => /\.js(\.map)?$/.test(p))
    .map((p) => relative(join(ROOT, 'dist'), p))
    .filter((rel) => !existsSync(join(ROOT, rel.replace(/\.js(\.map)?$/, '.ts'))));
  assert.deepEqual(orphans, [], 'compiled files without a source: run npm run build');
  assert.ok(
    files(join(ROOT, 'dist', 'test', 'unit')).some((p) => p.endsWith('build-clean.test.js')),
    'the check looked at the real dist/',
  );
});

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** The environment for a nested `node --test` run: without this run's NODE_TEST_CONTEXT, which would make it report to us. */
function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  return env;
}

test('run.mjs refuses a stale compiled test without running it; prune-dist removes only orphans', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-stale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'test'));
  copyFileSync(join(ROOT, 'test', 'run.mjs'), join(dir, 'test', 'run.mjs'));
  const ranMarker = join(dir, 'stale-ran');
  write(join(dir, 'test', 'unit', 'kept.test.ts'), '// source\n');
  write(join(dir, 'dist', 'test', 'unit', 'kept.test.js'), "import { test } from 'node:test';\ntest('kept', () => {});\n");
  write(join(dir, 'dist', 'test', 'unit', 'gone.test.js'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(ranMarker)}, 'ran');\n`);
  write(join(dir, 'dist', 'test', 'unit', 'gone.test.js.map'), '{}');
  write(join(dir, 'src', 'kept.ts'), '// source\n');
  write(join(dir, 'dist', 'src', 'kept.js'), '');
  write(join(dir, 'dist', 'src', 'old', 'removed.js'), '');
  write(join(dir, 'dist', 'bundle', 'main.js'), '');

  let r = spawnSync(process.execPath, [join(dir, 'test', 'run.mjs'), 'unit'], { encoding: 'utf8', env: plainEnv() });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /compiled tests whose source is gone \(run "npm run build", which removes them\): dist\/test\/unit\/gone\.test\.js/);
  assert.equal(existsSync(ranMarker), false, 'the stale test did not run');

  r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'prune-dist.mjs'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    files(join(dir, 'dist'))
      .map((p) => relative(dir, p))
      .sort(),
    ['dist/bundle/main.js', 'dist/src/kept.js', 'dist/test/unit/kept.test.js'],
  );

  r = spawnSync(process.execPath, [join(dir, 'test', 'run.mjs'), 'unit'], { encoding: 'utf8', env: plainEnv() });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /✔ kept/);
  assert.equal(existsSync(ranMarker), false);
});
