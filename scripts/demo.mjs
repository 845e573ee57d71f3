// `npm run demo`: a guided tour of regctl's main job on this machine, without internet. It starts a
// throw-away registry on 127.0.0.1, publishes a tiny image to it, makes it the docker.io mirror in
// a temporary config (so `regctl pull node` works as on a machine with Docker Hub), then runs
// pull, images, tag, push, inspect, digest, tags, save, rmi and load. The cache and config are
// temporary too; everything it started or wrote is removed at the end, on failure and on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoImage } from './demo-image.mjs';
import { findRegistry, startRegistry } from './demo-registry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'regctl');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (text) => (color ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text) => (color ? `\x1b[2m${text}\x1b[0m` : text);

/** What cleanup() must undo; filled as the tour goes. */
const state = { dir: undefined, registry: undefined, child: undefined, cleaning: undefined };

async function cleanup() {
  state.cleaning ??= (async () => {
    state.child?.kill('SIGTERM');
    await state.registry?.stop();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  })();
  return state.cleaning;
}

// A last resort for an exit nobody planned: no registry outlives the demo.
process.on('exit', () => state.registry?.killNow());
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    process.stderr.write(`\nregctl demo: interrupted (${signal}); removing the registry and temporary files\n`);
    void cleanup().finally(() => process.exit(code));
  });
}

function fail(message) {
  const error = new Error(message);
  error.demo = true;
  return error;
}

/** Runs `regctl ARGS` with the demo's environment, echoing the command line first. */
function regctl(env, args, why) {
  process.stdout.write(`\n${dim(`# ${why}`)}\n${bold(`$ regctl ${args.join(' ')}`)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    state.child = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      state.child = undefined;
      if (code === 0) resolve();
      else reject(fail(`"regctl ${args.join(' ')}" exited with ${code ?? signal}`));
    });
  });
}

async function tour() {
  if (!existsSync(join(root, 'dist', 'bundle', 'main.js'))) {
    throw fail(`regctl is not built: run "npm ci" (or "npm run build") in ${root} first`);
  }
  const registryBin = findRegistry();
  if (!registryBin) {
    throw fail(
      'the demo needs the CNCF distribution registry, which is not on PATH: on Debian/Ubuntu "apt-get install docker-registry" (binary docker-registry), elsewhere its "registry" binary (github.com/distribution/distribution); or, with internet, skip the demo and run "regctl pull alpine"',
    );
  }
  state.dir = mkdtempSync(join(tmpdir(), 'regctl-demo-'));
  const cache = join(state.dir, 'cache');
  const config = join(state.dir, 'config');
  const work = join(state.dir, 'work');
  state.registry = await startRegistry(registryBin, join(state.dir, 'registry'));
  const reg = state.registry.host;
  process.stdout.write(`${bold('regctl demo')}: docker's pull, tag, push, save and load, without a daemon and without internet.\n`);
  process.stdout.write(`Started ${registryBin} (pid ${state.registry.pid}) on ${reg}; everything lives in ${state.dir} and is removed at the end.\n`);

  mkdirSync(config);
  writeFileSync(join(config, 'config.json'), `${JSON.stringify({ registries: { 'docker.io': { mirrors: [reg] } } }, null, 2)}\n`);
  process.stdout.write(`Config ${join(config, 'config.json')} makes ${reg} the mirror of docker.io, so short names like "node" resolve there.\n`);
  const imageDigest = await writeDemoImage(join(work, 'layout'));
  process.stdout.write(`Built a tiny image (one layer with /demo/hello.txt) as an OCI layout: ${imageDigest}\n`);

  const env = {
    ...process.env,
    REGCTL_CACHE: cache,
    REGCTL_CONFIG_DIR: config,
    DOCKER_CONFIG: join(state.dir, 'docker'),
    REGISTRY_AUTH_FILE: join(state.dir, 'auth.json'),
  };
  for (const key of ['REGCTL_USERNAME', 'REGCTL_PASSWORD', 'REGCTL_REGISTRY', 'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete env[key];
  const run = (args, why) => regctl(env, args, why);

  await run(
    ['copy', `oci:${join(work, 'layout')}:latest`, `${reg}/library/node:latest`],
    'publish it to the throw-away registry, where docker.io/library/node would be (copy works between registries and OCI layouts)',
  );
  await run(['pull', 'node'], 'pull by short name: docker.io/library/node:latest, served by the mirror, stored in the cache (an OCI layout)');
  await run(['pull', 'node'], 'again: every blob is cached, nothing is fetched');
  await run(['images'], 'the cache, as docker images shows it');
  await run(['tag', 'node', `${reg}/demo/node:v1`], 'a new name, in the cache only');
  await run(['push', `${reg}/demo/node:v1`], 'upload it under the new name: blobs the repository lacks (checked with HEAD first), then the manifest');
  await run(['inspect', 'node'], 'manifest, config and platform of the cached image');
  await run(['digest', `${reg}/demo/node:v1`], 'the digest in the registry, from one HEAD request');
  await run(['tags', `${reg}/demo/node`], "the repository's tags in the registry");
  await run(['save', 'node', '-o', join(work, 'node.tar')], 'a tarball that docker load accepts');
  await run(['rmi', 'node', `${reg}/demo/node:v1`], 'untag both names');
  await run(['load', '-i', join(work, 'node.tar')], 'and load the tarball back, name included');
  await run(['images'], 'back in the cache');
  process.stdout.write(`\n${bold('Tour complete.')} On a machine with internet: regctl pull alpine. Tests: npm test. More: regctl --help.\n`);
}

try {
  await tour();
  await cleanup();
  process.stdout.write(dim(`Removed the registry and ${state.dir}.\n`));
  process.exitCode = 0;
} catch (err) {
  await cleanup();
  process.stderr.write(`regctl demo: ${err.demo ? err.message : (err.stack ?? err)}\n`);
  process.exitCode = 1;
}
