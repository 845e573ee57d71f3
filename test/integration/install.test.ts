import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isolatedEnv, tempDir } from '../support/cli.js';
import { copySources, installedPackages, linkDependencies, npm, repoPackage } from '../support/npm.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { run } from '../support/tools.js';
import { pushImage } from './pull-helpers.js';

// The two install paths of the README, checked from the user's side: `npm pack` + a tarball install
// (a self-contained copy with only the run-time dependencies), and `npm install -g .` in a fresh
// clone (a link to it). npm works offline-first here (--prefer-offline): after `npm ci` every
// package of package-lock.json is in npm's cache.
const OFFLINE_HINT = "npm's cache needs the packages of package-lock.json: run `npm ci` once with network access";
const pkg = repoPackage();
const dirs: (() => void)[] = [];

function temp(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.remove);
  return t.dir;
}

/** Runs an installed `regctl` with a private HOME, config and cache. */
function regctl(bin: string, args: string[]) {
  return run(bin, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...isolatedEnv() } });
}

function installedDir(prefix: string): string {
  return join(prefix, 'lib', 'node_modules', ...pkg.name.split('/'));
}

function treeSize(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, n) => sum + treeSize(join(path, n)), 0);
}

after(() => {
  for (const remove of dirs) remove();
});

describe('npm pack, then npm install -g the tarball', () => {
  let reg: RunningRegistry;
  let prefix: string;
  let tarball: string;
  let src: string;

  before(async () => {
    reg = await startRegistry({ mode: 'open' });
  });
  after(async () => {
    await reg?.stop();
  });

  it('packs a tarball whose package.json has no scripts and only the keyring as a dependency', async () => {
    // A copy of this working tree with its installed build tools, so packing (which bundles)
    // never rewrites the dist/bundle other tests are running.
    src = temp('regctl-pack-src-');
    copySources(src);
    linkDependencies(src);
    const out = temp('regctl-pack-out-');
    const r = await npm(['pack', '--pack-destination', out], src);
    assert.equal(r.code, 0, r.stderr);
    const file = readdirSync(out).find((n) => n.endsWith('.tgz'));
    assert.ok(file, `no tarball in ${out}: ${r.stdout}`);
    assert.equal(file, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
    tarball = join(out, file);

    assert.deepEqual(JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')), pkg, 'postpack restores the checkout package.json');
    assert.ok(!existsSync(join(src, '.package.json.prepack')));

    const listing = await run('tar', ['-tzf', tarball], { check: true });
    const files = listing.stdout.trim().split('\n');
    assert.ok(files.includes('package/bin/regctl') && files.includes('package/dist/bundle/main.js'), listing.stdout);
    assert.deepEqual(
      files.filter((f) => !/^package\/(bin\/regctl|dist\/bundle\/[\w-]+\.js|package\.json|README\.md)$/.test(f)),
      [],
      'nothing but the bundle, bin, package.json and README',
    );
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'], { check: true })).stdout) as Record<string, unknown>;
    assert.equal(manifest['scripts'], undefined, 'no install-time script (npm 12 refuses unreviewed ones)');
    assert.equal(manifest['devDependencies'], undefined);
    assert.equal(manifest['allowScripts'], undefined);
    assert.deepEqual(Object.keys(manifest['dependencies'] as object), ['@napi-rs/keyring']);
    assert.equal(manifest['name'], pkg.name);
  });

  it('installs into a fresh prefix with only the run-time dependencies', async () => {
    assert.ok(tarball, 'the pack step ran');
    prefix = temp('regctl-prefix-');
    // npm 11's --strict-allow-scripts (npm 12's default) stats PREFIX/lib before creating it.
    mkdirSync(join(prefix, 'lib'));
    const r = await npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--strict-allow-scripts', tarball], prefix);
    assert.equal(r.code, 0, `${r.stderr}\n${OFFLINE_HINT}`);
    assert.ok(!lstatSync(installedDir(prefix)).isSymbolicLink(), 'a copy, not a link');

    const packages = installedPackages(join(prefix, 'lib', 'node_modules')).map((p) => p.replace(/@[^@]+$/, ''));
    assert.ok(packages.includes('@napi-rs/keyring'), packages.join(', '));
    const extra = packages.filter((n) => n !== pkg.name && n !== '@napi-rs/keyring' && !n.startsWith('@napi-rs/keyring-'));
    assert.deepEqual(extra, [], 'only regctl and the keyring binding (with its prebuilt binary) are installed');
    for (const dev of ['typescript', 'esbuild', 'undici', 'zod', 'commander', 'ora', 'chalk', 'tar-stream']) assert.ok(!packages.includes(dev), dev);
    const bytes = treeSize(prefix);
    assert.ok(bytes < 12 * 1024 * 1024, `installed tree is ${(bytes / 1048576).toFixed(1)} MiB`);

    // The keychain binding is the one package loaded from node_modules at run time: it must load.
    const keyring = join(installedDir(prefix), 'node_modules', '@napi-rs', 'keyring');
    const load = await run(process.execPath, ['-e', `require(${JSON.stringify(keyring)}).Entry`]);
    assert.equal(load.code, 0, load.stderr);
  });

  it('runs: --version, and a pull from the test registry', async () => {
    assert.ok(prefix, 'the install step ran');
    const bin = join(prefix, 'bin', 'regctl');
    assert.ok(statSync(bin).mode & 0o111, 'bin/regctl is executable');
    const version = await regctl(bin, ['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);

    await pushImage(reg, 'installed/app:v1', { seed: 'install-tarball', layers: 2, layerSize: 4096 });
    const cache = temp('regctl-installed-cache-');
    const name = `${reg.host}/installed/app:v1`;
    const pull = await regctl(bin, ['pull', '--cache-dir', cache, name]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`^Digest: sha256:[0-9a-f]{64}\\nStatus: Downloaded newer image for ${name.replace(/[.]/g, '\\.')}\\n`));
    const images = await regctl(bin, ['images', '--cache-dir', cache, '--json']);
    assert.equal((JSON.parse(images.stdout) as { name: string }[])[0]?.name, name);
  });
});

describe('npm install -g . in a fresh clone', () => {
  it('builds without a prior npm ci and links the clone', async () => {
    const clone = temp('regctl-fresh-clone-');
    copySources(clone);
    const prefix = temp('regctl-prefix-link-');
    const r = await npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '.'], clone);
    assert.equal(r.code, 0, `${r.stderr}\n${OFFLINE_HINT}`);
    const installed = installedDir(prefix);
    assert.ok(lstatSync(installed).isSymbolicLink(), 'npm links a folder install');
    assert.equal(realpathSync(installed), realpathSync(clone));
    assert.ok(existsSync(join(clone, 'dist', 'bundle', 'main.js')), 'prepare bundled the CLI');

    const version = await regctl(join(prefix, 'bin', 'regctl'), ['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);
    const images = await regctl(join(prefix, 'bin', 'regctl'), ['images', '--cache-dir', temp('regctl-link-cache-')]);
    assert.equal(images.code, 0, images.stderr);
    assert.match(images.stdout, /^REPOSITORY\s+TAG/);
  });
});
