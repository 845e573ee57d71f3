// Bundles the CLI into dist/bundle/ with esbuild after tsc has type-checked the tree. One ESM file
// per lazily imported command (code splitting) instead of ~150 modules cuts start-up by a third.
// @napi-rs/keyring stays external: it is a native module, resolved from node_modules at run time.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// undici's client.js loads its HTTP/2 client (and with it node:http2 and node:tls, ~8 ms) at start-up;
// regctl never offers h2 (ALPN http/1.1 only), so that module is required on first use instead. The
// build fails if undici's line changes, rather than silently loading it eagerly again.
const EAGER_H2 = "const connectH2 = require('./client-h2.js')";
const lazyUndiciH2 = {
  name: 'lazy-undici-h2',
  setup(build) {
    build.onLoad({ filter: /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(EAGER_H2)) throw new Error(`${args.path} no longer has "${EAGER_H2}": update scripts/bundle.mjs`);
      return { contents: source.replace(EAGER_H2, "const connectH2 = (...args) => require('./client-h2.js')(...args)"), loader: 'js' };
    });
  },
};
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external: ['@napi-rs/keyring'],
  // The version is part of the build: `regctl --version` answers without reading package.json.
  define: { REGCTL_VERSION: JSON.stringify(version) },
  // CommonJS dependencies (undici, commander) call require(); ESM output needs one.
  banner: { js: "import { createRequire as __regctlRequire } from 'node:module'; const require = __regctlRequire(import.meta.url);" },
  plugins: [lazyUndiciH2],
  // Which sources each output file holds: the start-up test checks that local commands load no chunk of undici or zod.
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
