// `npm pack` / `npm publish` hooks: `strip` (prepack) bundles the CLI and writes the package.json the
// tarball carries; `restore` (postpack) puts the checkout's package.json back.
//
// Why strip: npm ≥ 11.16 lists every non-registry package with a `prepare` script as running
// unreviewed install scripts, and `--strict-allow-scripts` (npm 12's direction) refuses to install
// it — although npm never runs `prepare` from a tarball. The tarball needs no scripts and no
// devDependencies: bin/ and dist/bundle/ are all it runs, @napi-rs/keyring all it installs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'package.json');
// A pack that dies between the two steps leaves this file (git status shows it with the stripped
// package.json): `mv .package.json.prepack package.json` undoes it.
const saved = join(root, '.package.json.prepack');

const step = process.argv[2];
if (step === 'strip') {
  const bundle = spawnSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: 'inherit' });
  if (bundle.status !== 0) process.exit(bundle.status ?? 1);
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  delete pkg.devDependencies;
  delete pkg.allowScripts;
  writeFileSync(saved, text);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (step === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  process.stderr.write('usage: node scripts/pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
