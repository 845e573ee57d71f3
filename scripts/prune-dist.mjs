// Removes compiled files from dist/ whose TypeScript source is gone, before tsc runs: tsc never deletes
// an output, so a deleted or renamed test would otherwise keep running from dist/ (and a deleted module
// keep resolving). Only orphans go, so tsc's incremental build stays warm.
// Usage: node scripts/prune-dist.mjs [ROOT]   (default: this checkout)
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// What tsc compiles (tsconfig.json "include"); dist/bundle is esbuild's and rebuilt whole.
const TREES = ['src', 'test', 'bench'];

/** The source of a compiled file: `dist/X/a.js` and `dist/X/a.js.map` come from `X/a.ts`. */
function sourceOf(file) {
  const m = /^(.*)\.js(\.map)?$/.exec(relative(dist, file));
  return m ? join(root, `${m[1]}.ts`) : undefined;
}

/** Deletes orphans under `dir`; returns true when `dir` is left empty (and removes it). */
function prune(dir, removed) {
  let left = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!prune(path, removed)) left++;
      continue;
    }
    const source = sourceOf(path);
    if (source && !existsSync(source)) {
      rmSync(path);
      removed.push(relative(root, path));
    } else left++;
  }
  if (left === 0) rmdirSync(dir);
  return left === 0;
}

const removed = [];
for (const tree of TREES) if (existsSync(join(dist, tree))) prune(join(dist, tree), removed);
if (removed.length > 0) console.error(`prune-dist: removed ${removed.length} compiled file(s) whose source is gone: ${removed.join(', ')}`);
