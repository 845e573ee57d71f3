// Runs the compiled tests with node:test, one tier after the other. Node 20's --test takes no globs,
// so the files are listed here, from their sources (test/TIER/**/*.test.ts), never from dist/: a
// compiled test whose source is gone must not run, and is reported (npm run build removes such files).
// The unit tier runs with a PATH holding only node, so a unit test cannot call an external tool
// (openssl, umoci, skopeo, tar, the registry): those belong to the integration tier.
// Usage: node test/run.mjs [unit|integration] [name-filter]
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [tier, filter] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tiers = tier ? [tier] : ['unit', 'integration'];

function walk(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

const plan = [];
const unbuilt = [];
const stale = [];
for (const t of tiers) {
  const files = [];
  for (const source of walk(join(root, 'test', t), '.test.ts')) {
    const compiled = join(root, 'dist', relative(root, source)).replace(/\.ts$/, '.js');
    if (filter && !compiled.includes(filter)) continue;
    (existsSync(compiled) ? files : unbuilt).push(compiled);
  }
  for (const compiled of walk(join(root, 'dist', 'test', t), '.test.js')) {
    if (!existsSync(join(root, relative(join(root, 'dist'), compiled)).replace(/\.js$/, '.ts'))) stale.push(relative(root, compiled));
  }
  if (files.length > 0) plan.push({ tier: t, files });
}
if (stale.length > 0) {
  console.error(`compiled tests whose source is gone (run "npm run build", which removes them): ${stale.join(', ')}`);
  process.exit(1);
}
if (unbuilt.length > 0) {
  console.error(`tests not compiled yet (run "npm run build"): ${unbuilt.map((f) => relative(root, f)).join(', ')}`);
  process.exit(1);
}
if (plan.length === 0) {
  console.error(`no test files${filter ? ` matching "${filter}"` : ''} in ${tiers.join(', ')}`);
  process.exit(1);
}

/** The unit tier's environment: PATH holds node alone; tools.ts's requireTool says why a tool is missing. */
function unitEnv() {
  const bin = mkdtempSync(join(tmpdir(), 'regctl-unit-path-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  process.on('exit', () => rmSync(bin, { recursive: true, force: true }));
  return { ...process.env, PATH: bin, REGCTL_TEST_TIER: 'unit' };
}

let status = 0;
for (const { tier: t, files } of plan) {
  if (plan.length > 1) console.log(`# ${t} tests`);
  const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: t === 'unit' ? unitEnv() : process.env });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
