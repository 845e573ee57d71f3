import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { buildRandomImage } from '../support/random-image.js';
import { runCli, tempDir } from '../support/cli.js';
import { umociLs } from '../support/tools.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/oci');
const SIMPLE_DIGEST = 'sha256:b504ba43e4b41493543ce6c7a271ddf18384b4a216ececf06181136a5ee5272d';

function copyFixture(name: string): { dir: string; remove: () => void } {
  const t = tempDir(`regctl-fixture-${name}-`);
  cpSync(join(FIXTURES, name), t.dir, { recursive: true });
  return t;
}

test('checked-in layouts are valid OCI layouts', async () => {
  for (const name of ['cache-simple', 'cache-multi', 'skopeo-style', 'foreign-layer', 'artifacts']) await umociLs(join(FIXTURES, name));
});

test('the fixture seeds still produce the checked-in digests', async () => {
  const t = tempDir();
  try {
    const store = await LayoutStore.open(t.dir, { create: true });
    const img = await buildRandomImage(store, { seed: 'fixture-simple', layers: 2, layerSize: 1024 });
    assert.equal(img.manifest.digest, SIMPLE_DIGEST, 'the random-image builder changed: run node fixtures/make-fixtures.mjs and update SIMPLE_DIGEST');
  } finally {
    t.remove();
  }
});

test('images and inspect read a checked-in cache', async () => {
  const t = copyFixture('cache-simple');
  try {
    const r = await runCli(['--cache-dir', t.dir, 'images', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; digest: string }[];
    assert.deepEqual(rows.map((x) => x.name).sort(), ['docker.io/library/alpine:3.20', 'localhost:5000/team/app:v1']);
    assert.ok(rows.every((x) => x.digest === SIMPLE_DIGEST));
    const i = await runCli(['--cache-dir', t.dir, 'inspect', `alpine@${SIMPLE_DIGEST}`]);
    assert.equal(i.code, 3, 'a digest-pinned name that was never stored is not found');
    const j = await runCli(['--cache-dir', t.dir, 'inspect', SIMPLE_DIGEST.slice(7, 19), '--json']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal((JSON.parse(j.stdout) as { digest: string }).digest, SIMPLE_DIGEST);
  } finally {
    t.remove();
  }
});

test('a docker-media-type index lists both platforms', async () => {
  const t = copyFixture('cache-multi');
  try {
    const r = await runCli(['--cache-dir', t.dir, 'inspect', 'ghcr.io/acme/multi:1.0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { mediaType: string; manifests: { platform: string; present: boolean }[] };
    assert.equal(doc.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.deepEqual(
      doc.manifests.map((m) => m.platform),
      ['linux/amd64', 'linux/arm64/v8'],
    );
    assert.ok(doc.manifests.every((m) => m.present));
  } finally {
    t.remove();
  }
});

test('tag and rmi on a checked-in cache keep it valid for umoci', async () => {
  const t = copyFixture('cache-simple');
  try {
    let r = await runCli(['--cache-dir', t.dir, 'tag', 'alpine:3.20', 'alpine:edge']);
    assert.equal(r.code, 0, r.stderr);
    await umociLs(t.dir);
    r = await runCli(['--cache-dir', t.dir, 'rmi', 'alpine:3.20', 'localhost:5000/team/app:v1']);
    assert.equal(r.code, 0, r.stderr);
    await umociLs(t.dir);
    const index = JSON.parse(readFileSync(join(t.dir, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    assert.deepEqual(
      index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']),
      ['docker.io/library/alpine:edge'],
    );
  } finally {
    t.remove();
  }
});

test('Docker media types are kept, never converted: digests stay what the registry served', async () => {
  const t = copyFixture('cache-multi');
  try {
    const before = JSON.parse(readFileSync(join(t.dir, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string }[] };
    const r = await runCli(['--cache-dir', t.dir, 'tag', 'ghcr.io/acme/multi:1.0', 'example.com/multi:2']);
    assert.equal(r.code, 0, r.stderr);
    const index = JSON.parse(readFileSync(join(t.dir, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string }[] };
    assert.deepEqual(
      index.manifests.map((m) => [m.mediaType, m.digest]),
      [before.manifests[0], before.manifests[0]].map((m) => [m?.mediaType, m?.digest]),
    );
    assert.equal(index.manifests[1]?.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
  } finally {
    t.remove();
  }
});
