// Bundles the CLI into dist/bundle/ with esbuild after tsc has type-checked the tree. One ESM file
// per lazily imported command (code splitting) instead of ~150 modules cuts start-up by a third.
// @napi-rs/keyring stays external: it is a native module, resolved from node_modules at run time.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external: ['@napi-rs/keyring'],
  // CommonJS dependencies (undici, commander) call require(); ESM output needs one.
  banner: { js: "import { createRequire as __regctlRequire } from 'node:module'; const require = __regctlRequire(import.meta.url);" },
  logLevel: 'warning',
});
