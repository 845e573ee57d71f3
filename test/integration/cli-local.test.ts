import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { buildRandomImage, buildRandomIndex } from '../support/random-image.js';
import { runCli, tempDir } from '../support/cli.js';
import { umociLs } from '../support/tools.js';

let cache: { dir: string; remove: () => void };
let imageDigest: string;
let indexDigest: string;

before(async () => {
  cache = tempDir('regctl-cli-local-');
  const store = await LayoutStore.open(cache.dir, { create: true });
  const image = await buildRandomImage(store, { seed: 'cli-local', layers: 2, layerSize: 4096 });
  imageDigest = image.manifest.digest;
  await store.tag(image.manifest, 'docker.io/library/alpine:3.20');
  await store.tag(image.manifest, 'localhost:5000/team/app:v1');
  const index = await buildRandomIndex(store, {
    seed: 'cli-multi',
    layers: 1,
    layerSize: 1024,
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  indexDigest = index.index.digest;
  await store.tag(index.index, 'ghcr.io/acme/multi:1.0');
  await umociLs(cache.dir);
});

after(() => cache.remove());

const rc = (args: string[]) => runCli(['--cache-dir', cache.dir, ...args]);

test('images lists every tag with docker short names', async () => {
  const r = await rc(['images']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.ok(
    lines.some((l) => /^alpine\s+3\.20\s+[a-f0-9]{12}\s/.test(l)),
    r.stdout,
  );
  assert.ok(
    lines.some((l) => /^localhost:5000\/team\/app\s+v1\s/.test(l)),
    r.stdout,
  );
  assert.ok(
    lines.some((l) => /^ghcr\.io\/acme\/multi\s+1\.0\s/.test(l)),
    r.stdout,
  );
  assert.equal(r.stderr, '');
});

test('images --json gives full names, digests and sizes', async () => {
  const r = await rc(['images', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; digest: string; size: number; platforms: string[] }[];
  const alpine = rows.find((x) => x.name === 'docker.io/library/alpine:3.20');
  assert.ok(alpine);
  assert.equal(alpine.digest, imageDigest);
  assert.ok(alpine.size > 8192);
  const multi = rows.find((x) => x.name === 'ghcr.io/acme/multi:1.0');
  assert.deepEqual(multi?.platforms.sort(), ['linux/amd64', 'linux/arm64/v8']);
});

test('images REPO --digests filters and shows the digest column', async () => {
  const r = await rc(['images', 'alpine', '--digests']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  assert.ok(lines[1]?.includes(imageDigest));
});

test('tag makes a new name for the same manifest and moves an existing one', async () => {
  let r = await rc(['tag', 'alpine:3.20', 'alice/tool:stable']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  await umociLs(cache.dir);
  const index = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === 'docker.io/alice/tool:stable');
  assert.equal(entry?.digest, imageDigest);
  assert.equal(entry?.annotations['io.containerd.image.name'], 'docker.io/alice/tool:stable');
  r = await rc(['tag', 'ghcr.io/acme/multi:1.0', 'alice/tool:stable']);
  assert.equal(r.code, 0, r.stderr);
  const after = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8')) as typeof index;
  const named = after.manifests.filter((m) => m.annotations['org.opencontainers.image.ref.name'] === 'docker.io/alice/tool:stable');
  assert.equal(named.length, 1);
  assert.equal(named[0]?.digest, indexDigest);
  await umociLs(cache.dir);
});

test('tag by image ID works', async () => {
  const r = await rc(['tag', imageDigest.slice(7, 19), 'byid:latest']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse((await rc(['images', '--json'])).stdout) as { name: string; digest: string }[];
  assert.equal(list.find((x) => x.name === 'docker.io/library/byid:latest')?.digest, imageDigest);
});

test('invalid references exit 2 with one line naming the input', async () => {
  const r = await rc(['tag', 'alpine:3.20', 'Alice/Tool']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /invalid reference "Alice\/Tool": repository name must be lowercase/);
});

test('a missing image exits 3 naming the full reference', async () => {
  const r = await rc(['tag', 'nosuch', 'x:1']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no such image: docker\.io\/library\/nosuch:latest/);
  const i = await rc(['inspect', 'nosuch:2']);
  assert.equal(i.code, 3);
  assert.match(i.stderr, /docker\.io\/library\/nosuch:2/);
});

test('inspect shows manifest, config, platform and size', async () => {
  const r = await rc(['inspect', 'alpine:3.20', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    name: string;
    digest: string;
    size: number;
    images: { platform: string; manifest: { layers: unknown[] }; config: { rootfs: { diff_ids: string[] } } }[];
  };
  assert.equal(doc.name, 'docker.io/library/alpine:3.20');
  assert.equal(doc.digest, imageDigest);
  assert.equal(doc.images.length, 1);
  assert.equal(doc.images[0]?.manifest.layers.length, 2);
  assert.equal(doc.images[0]?.config.rootfs.diff_ids.length, 2);
  assert.match(doc.images[0]?.platform ?? '', /^linux\//);
  const text = await rc(['inspect', 'ghcr.io/acme/multi:1.0']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Platforms:\n\s+linux\/amd64\s+sha256:/);
  assert.match(text.stdout, /linux\/arm64\/v8/);
});

test('rmi untags, prune frees only unreferenced blobs, and the cache stays valid', async () => {
  const before = readdirSync(join(cache.dir, 'blobs', 'sha256')).length;
  let r = await rc(['rmi', 'localhost:5000/team/app:v1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'Untagged: localhost:5000/team/app:v1');
  await umociLs(cache.dir);
  r = await rc(['prune']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Total reclaimed space: 0B/);
  assert.equal(readdirSync(join(cache.dir, 'blobs', 'sha256')).length, before);
  for (const name of ['alpine:3.20', 'byid', 'alice/tool:stable', 'ghcr.io/acme/multi:1.0']) {
    r = await rc(['rmi', name]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
  r = await rc(['prune', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const freed = JSON.parse(r.stdout) as { removed: { digest: string }[]; freedBytes: number };
  assert.ok(freed.removed.length >= before - 1, r.stdout);
  assert.ok(freed.freedBytes > 0);
  assert.ok(freed.removed.some((b) => b.digest === imageDigest));
  assert.ok(!existsSync(join(cache.dir, 'blobs', 'sha256', imageDigest.slice(7))));
  await umociLs(cache.dir);
});

test('rmi of a missing name exits 3 but still removes the others', async () => {
  const store = await LayoutStore.open(cache.dir, { create: true });
  const img = await buildRandomImage(store, { seed: 'rmi-partial', layers: 1, layerSize: 100 });
  await store.tag(img.manifest, 'docker.io/library/keep:1');
  const r = await rc(['rmi', 'nosuch:9', 'keep:1']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /Untagged: docker\.io\/library\/keep:1/);
  assert.match(r.stderr, /no such image: docker\.io\/library\/nosuch:9/);
});

test('a damaged index.json is one clear line naming the file, exit 1', async () => {
  const bad = tempDir('regctl-bad-');
  try {
    await LayoutStore.open(bad.dir, { create: true });
    writeFileSync(join(bad.dir, 'index.json'), '{"schemaVersion": 2, "manifests": [{"digest": 7}]}');
    const r = await runCli(['--cache-dir', bad.dir, 'images']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /index\.json/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  } finally {
    bad.remove();
  }
});

test('usage errors exit 2; --help and --version exit 0', async () => {
  let r = await runCli(['tag', 'onlyone']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing required argument/);
  r = await runCli(['nosuchcommand']);
  assert.equal(r.code, 2);
  r = await runCli(['images', '--concurrency', 'zero']);
  assert.equal(r.code, 2);
  r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:/);
  for (const cmd of ['tag', 'images', 'rmi', 'prune', 'inspect']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
  r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('global options work after the command name', async () => {
  const r = await runCli(['images', '--cache-dir', cache.dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Array.isArray(JSON.parse(r.stdout)));
});
