// Runs the compiled tests with node:test. Node 20's --test takes no globs, so list the files here.
// Usage: node test/run.mjs [unit|integration] [name-filter]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const [group, filter] = process.argv.slice(2);
const root = new URL('../dist/test/', import.meta.url).pathname;
const groups = group ? [group] : ['unit', 'integration'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (!filter || p.includes(filter))) files.push(p);
  }
}
for (const g of groups) {
  try { walk(join(root, g)); } catch { /* group absent */ }
}
if (files.length === 0) {
  console.error(`no test files found under ${root} (did tsc run?)`);
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
