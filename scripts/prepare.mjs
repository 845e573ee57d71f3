// npm's `prepare` step: bundles the CLI into dist/bundle (what bin/regctl runs).
//
// npm runs `prepare` for `npm ci` / `npm install` in a checkout, before `npm pack`, and for
// `npm install -g <folder>`. That last one links the folder but installs none of its dependencies,
// so in a fresh clone the build tools are missing: we install them into the clone first
// (`npm ci --include=dev --ignore-scripts`, from the lockfile), then bundle. Type-checking (tsc)
// belongs to `npm run build` and `npm test`; the bundle needs only esbuild.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const needed = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const missing = needed.filter((name) => !existsSync(join(root, 'node_modules', ...name.split('/'), 'package.json')));

if (missing.length > 0) {
  if (process.env.REGCTL_PREPARE_NESTED) {
    process.stderr.write(`regctl: build dependencies still missing after npm ci: ${missing.join(', ')}\n`);
    process.exit(1);
  }
  process.stderr.write(`regctl: installing the build tools into ${join(root, 'node_modules')} (npm ci --include=dev)\n`);
  // The outer npm (e.g. `npm install -g .`) passes its settings down as npm_config_* variables;
  // those that say where to install would turn this into a second global install.
  const env = { ...process.env, REGCTL_PREPARE_NESTED: '1' };
  for (const key of Object.keys(env)) {
    if (
      /^npm_config_(global|location|prefix|local_prefix|global_prefix|globalconfig|omit|include|production|only|install_links|ignore_scripts|allow_scripts)$/i.test(
        key,
      )
    )
      delete env[key];
  }
  const npmCli = process.env.npm_execpath;
  const args = ['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--global=false'];
  const r =
    npmCli && /\.c?js$/.test(npmCli)
      ? spawnSync(process.execPath, [npmCli, ...args], { cwd: root, env, stdio: ['ignore', 2, 2] })
      : spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: root, env, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write(`regctl: npm ci in ${root} failed (${r.error ? r.error.message : `exit ${r.status}`}); run it there by hand, then npm run build\n`);
    process.exit(1);
  }
}

const bundle = spawnSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: 'inherit' });
process.exit(bundle.status ?? 1);
