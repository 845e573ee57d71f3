// Bundles the CLI into dist/bundle/ with esbuild after tsc has type-checked the tree. One ESM file
// per lazily imported command (code splitting) instead of ~150 modules cuts start-up by a third.
// @napi-rs/keyring stays external: it is a native module, resolved from node_modules at run time.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Edits to undici's (and commander's) sources as they are bundled, each for start-up time; the build
// fails when a line is no longer there (an update), rather than silently going back to the slow form.
const UNDICI_EDITS = [
  // client.js loads its HTTP/2 client (and with it node:http2 and node:tls, ~8 ms) at start-up;
  // regctl never offers h2 (ALPN http/1.1 only), so that module is required on first use instead.
  {
    file: /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    from: "const connectH2 = require('./client-h2.js')",
    to: "const connectH2 = (...args) => require('./client-h2.js')(...args)",
  },
  // The fetch API's body code (~95 KB with webidl and FormData) is reached only to send a FormData
  // body, which regctl never does: left out of the bundle, so its code is not parsed at each start.
  {
    file: /undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/,
    from: "extractBody = require('../web/fetch/body.js').extractBody",
    to: "extractBody = () => { throw new TypeError('FormData request bodies are not bundled with regctl') }",
  },
  {
    file: /undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/,
    from: "extractBody ??= require('../web/fetch/body.js').extractBody",
    to: "extractBody ??= () => { throw new TypeError('FormData request bodies are not bundled with regctl') }",
  },
  // commander loads node:child_process (and with it node:dgram and net internals) at start-up
  // only for executable subcommands, which regctl has none of: loaded on first use instead.
  {
    file: /commander[\\/]lib[\\/]command\.js$/,
    from: "const childProcess = require('node:child_process');",
    to: "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
  },
];
const undiciEdits = {
  name: 'undici-edits',
  setup(build) {
    for (const edit of UNDICI_EDITS) {
      build.onLoad({ filter: edit.file }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(edit.from)) throw new Error(`${args.path} no longer has "${edit.from}": update scripts/bundle.mjs`);
        return { contents: source.replace(edit.from, edit.to), loader: 'js' };
      });
    }
  },
};

// Every lazily imported module is an entry point, and esbuild splits the code shared between
// entries into one chunk per set of entries that reach it: with ~30 entries a pull loaded ~40
// small files, and node's loader costs ~0.5 ms a module. So each lazily imported module of ours
// becomes a small entry that also imports the groups of code it runs with: the CLI and session
// (every run), plus the registry side or the cache-only commands. Code reached by the same groups
// then reaches the same entries and lands in one chunk. A module missing from the table still
// works (an entry importing the CLI group).
const GROUPS = {
  // Every command run: the CLI, the session and the cache.
  cli: ['cli/run-cli.ts', 'session.ts'],
  // Commands that talk to registries (and what opens them).
  registry: [
    'session/remote-access.ts',
    'commands/pull.ts',
    'commands/push.ts',
    'commands/copy.ts',
    'commands/tags.ts',
    'commands/digest.ts',
    'commands/inspect-remote.ts',
    'commands/delete.ts',
    'commands/catalog.ts',
    'commands/referrers.ts',
    'commands/attach.ts',
    'commands/login.ts',
    'commands/logout.ts',
    'commands/manifest-create.ts',
    'commands/manifest-create-push.ts',
    'commands/manifest-annotate.ts',
    'commands/manifest-inspect.ts',
    'commands/manifest-push.ts',
  ],
  // Commands that read or write the cache only: they must not reach undici or zod.
  local: [
    'commands/images.ts',
    'commands/tag.ts',
    'commands/rmi.ts',
    'commands/prune.ts',
    'commands/inspect.ts',
    'commands/manifest-rm.ts',
    'commands/complete-names.ts',
    'commands/version.ts',
  ],
};
// Modules kept out of the groups (their own packages are big) that still run with a group's code.
const ALSO = { 'commands/sync.ts': ['registry'], 'commands/save.ts': ['local'], 'commands/load.ts': ['local'] };
const src = join(root, 'src');
const groupOf = new Map(Object.entries(GROUPS).flatMap(([group, members]) => members.map((m) => [join(src, m), group])));
const alsoOf = new Map(Object.entries(ALSO).map(([m, groups]) => [join(src, m), groups]));
const groupedEntries = {
  name: 'grouped-entries',
  setup(build) {
    build.onResolve({ filter: /^regctl-entry:/ }, (args) => ({ path: join(src, args.path.slice('regctl-entry:'.length)), namespace: 'regctl-entry' }));
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import' || !args.importer.startsWith(src)) return undefined;
      const path = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      return existsSync(path) ? { path, namespace: 'regctl-entry' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'regctl-entry' }, (args) => {
      const groups = new Set(['cli', ...(groupOf.has(args.path) ? [groupOf.get(args.path)] : []), ...(alsoOf.get(args.path) ?? [])]);
      const imports = [...groups].map((g) => `import 'regctl-group:${g}';`).join('\n');
      return { contents: `${imports}\nexport * from ${JSON.stringify(args.path)};\n`, resolveDir: dirname(args.path), loader: 'js' };
    });
    build.onResolve({ filter: /^regctl-group:/ }, (args) => ({ path: args.path.slice('regctl-group:'.length), namespace: 'regctl-group' }));
    build.onLoad({ filter: /.*/, namespace: 'regctl-group' }, (args) => {
      const members = GROUPS[args.path].map((m) => join(src, m));
      for (const m of members) if (!existsSync(m)) throw new Error(`scripts/bundle.mjs groups ${m}, which does not exist`);
      return { contents: members.map((m) => `import ${JSON.stringify(m)};`).join('\n'), resolveDir: src, loader: 'js' };
    });
  },
};

// chalk and ora's helpers `import process from 'node:process'`; node answers an ES import of a
// builtin with a facade that reads every export, and for node:process that runs the getter of
// allowedNodeEnvironmentFlags (~5 ms at every start). The global process is the same object.
const processGlobal = {
  name: 'process-global',
  setup(build) {
    build.onResolve({ filter: /^node:process$/ }, (args) => (args.kind === 'import-statement' ? { path: 'process', namespace: 'process-global' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'process-global' }, () => ({ contents: 'export default globalThis.process;', loader: 'js' }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20.18', logLevel: 'warning' };
// The CLI: cli.js (what main.js imports for every command but --version), its chunks and lazily
// imported commands.
const result = await build({
  ...common,
  entryPoints: [{ in: 'regctl-entry:cli/run-cli.ts', out: 'cli' }],
  outdir,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  external: ['@napi-rs/keyring'],
  // The version is part of the build: `regctl --version` answers without reading package.json.
  define: { REGCTL_VERSION: JSON.stringify(version) },
  // CommonJS dependencies (undici, commander) call require(); ESM output needs one.
  banner: { js: "import { createRequire as __regctlRequire } from 'node:module'; const require = __regctlRequire(import.meta.url);" },
  plugins: [undiciEdits, groupedEntries, processGlobal],
  // Which sources each output file holds: the start-up test checks that local commands load no chunk of undici or zod.
  metafile: true,
});
// Beside the bundle, not in it: it is not packed.
writeFileSync(join(root, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile));
// main.js, built on its own so that it imports nothing (not even esbuild's runtime chunk) before it
// has answered --version; its import of the CLI is the file above.
await build({
  ...common,
  entryPoints: [join(src, 'cli', 'main.ts')],
  outfile: join(outdir, 'main.js'),
  define: { REGCTL_VERSION: JSON.stringify(version) },
  plugins: [{ name: 'cli-entry', setup: (b) => b.onResolve({ filter: /^\.\/run-cli\.js$/ }, () => ({ path: './cli.js', external: true })) }],
});
