import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { buildRandomImage } from '../support/random-image.js';
import { runCli, tempDir } from '../support/cli.js';
import { umociLs } from '../support/tools.js';

// What a newcomer (from docker or from regclient's regctl) types in the first minute.
let cache: { dir: string; remove: () => void };
let digest: string;

before(async () => {
  cache = tempDir('regctl-cli-newcomer-');
  const store = await LayoutStore.open(cache.dir, { create: true });
  const image = await buildRandomImage(store, { seed: 'cli-newcomer', layers: 1, layerSize: 2048 });
  digest = image.manifest.digest;
  await store.tag(image.manifest, 'docker.io/library/alpine:3.20');
  await store.tag(image.manifest, 'localhost:5000/team/app:v1');
  const other = await buildRandomImage(store, { seed: 'cli-newcomer-other', layers: 1, layerSize: 1024 });
  await store.tag(other.manifest, 'docker.io/library/busybox:1');
});

after(() => cache.remove());

const rc = (args: string[]) => runCli(['--cache-dir', cache.dir, ...args]);

function names(): string[] {
  const index = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '').sort();
}

test('regctl with no arguments prints its help on stdout and exits 0, as docker does', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: regctl \[options\] \[command\]/);
  assert.match(r.stdout, /\n {2}pull\b/);
  assert.equal(r.stderr, '');
  assert.doesNotMatch(r.stdout, /regctl-fallback/, 'the fallback command stays hidden');
  const unknown = await runCli(['--no-such-option']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--no-such-option'/);
});

test("regclient's command groups get one line naming the equivalent, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [['tag', 'ls', 'alpine'], /use: regctl tags alpine$/],
    [['tag', 'ls'], /use: regctl tags REPO$/],
    [['image', 'inspect', 'alpine'], /use: regctl inspect --remote alpine$/],
    [['image', 'copy', 'a:1', 'b:1'], /use: regctl copy a:1 b:1$/],
    [['manifest', 'get', 'alpine'], /use: regctl inspect --remote --raw alpine$/],
    [['repo', 'ls', 'localhost:5000'], /use: regctl catalog localhost:5000$/],
    [['tag', 'rm', 'localhost:5000/team/app:v1'], /use: regctl delete localhost:5000\/team\/app:v1 \(regctl rmi untags the local cache\)$/],
    [['registry', 'login', 'ghcr.io'], /use: regctl login ghcr\.io$/],
    [['artifact', 'get', 'x'], /"regctl artifact get" has no equivalent here/],
    [['artifact', 'tree', 'x'], /for "regctl artifact tree" use: regctl referrers x/],
    [['blob', 'get', 'x', 'sha256:00'], /"regctl blob get" has no equivalent here/],
    [['index', 'create', 'x'], /"regctl index create" has no equivalent here/],
  ];
  for (const [args, expected] of cases) {
    const r = await rc(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /^Error: this is the TypeScript regctl \(docker-style commands\), not regclient's: /);
    assert.match(lines[0] ?? '', expected, args.join(' '));
  }
  assert.deepEqual(names(), ['docker.io/library/alpine:3.20', 'docker.io/library/busybox:1', 'localhost:5000/team/app:v1'], 'nothing was tagged');
});

test('tag ls X still tags when the cache holds an image named ls: the real command wins', async () => {
  let r = await rc(['tag', 'alpine:3.20', 'ls']);
  assert.equal(r.code, 0, r.stderr);
  r = await rc(['tag', 'ls', 'copy-of-ls:1']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(names().includes('docker.io/library/copy-of-ls:1'));
  r = await rc(['rmi', 'ls', 'copy-of-ls:1']);
  assert.equal(r.code, 0, r.stderr);
});

test('ls REPO lists that repository or says there is none, never a bare table', async () => {
  let r = await rc(['ls', 'alpine']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  assert.match(lines[1] ?? '', /^alpine\s+3\.20\s/);

  r = await rc(['ls', 'nginx']);
  assert.equal(r.code, 0, 'a filter that matches nothing is not an error (docker exits 0 too)');
  assert.equal(r.stdout, '', 'no table header without rows');
  assert.equal(r.stderr, "no images of docker.io/library/nginx in the cache: regctl pull nginx fetches one, regctl tags nginx lists the registry's tags\n");

  r = await rc(['images', '-q', 'nginx']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '', 'scripts test -q output for emptiness');
  r = await rc(['images', '--json', 'nginx']);
  assert.deepEqual(JSON.parse(r.stdout), []);
});

test("rmi ID of an image with several names refuses without -f (docker's message, exit 1)", async () => {
  const id = digest.slice(7, 19);
  let r = await rc(['rmi', id]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `Error: conflict: unable to delete ${id} (must be forced) - image is referenced in multiple repositories\n`);
  assert.equal(r.stdout, '');
  assert.deepEqual(names(), ['docker.io/library/alpine:3.20', 'docker.io/library/busybox:1', 'localhost:5000/team/app:v1']);

  r = await rc(['rmi', 'localhost:5000/team/app:v1']);
  assert.equal(r.code, 0, 'a name removes just that name');
  assert.equal(r.stdout, 'Untagged: localhost:5000/team/app:v1\n');
  r = await rc(['tag', id, 'localhost:5000/team/app:v1']);
  assert.equal(r.code, 0, r.stderr);

  r = await rc(['rmi', '-f', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['Untagged: docker.io/library/alpine:3.20', 'Untagged: localhost:5000/team/app:v1']);
  assert.deepEqual(names(), ['docker.io/library/busybox:1']);
  await umociLs(cache.dir);

  r = await rc(['tag', 'busybox:1', 'busybox:2']);
  assert.equal(r.code, 0, r.stderr);
  r = await rc(['rmi', `sha256:${readBusyboxDigest()}`]);
  assert.equal(r.code, 1, 'two tags of one repository also need -f');
  r = await rc(['rmi', 'busybox:2']);
  assert.equal(r.code, 0);
  r = await rc(['rmi', readBusyboxDigest().slice(0, 12)]);
  assert.equal(r.code, 0, 'one name: removed without -f');
  assert.deepEqual(names(), []);
});

function readBusyboxDigest(): string {
  const index = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name']?.startsWith('docker.io/library/busybox:'));
  assert.ok(entry);
  return entry.digest.slice(7);
}
