import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type tar from 'tar-stream';
import { runCli, tempDir } from '../support/cli.js';
import { copyLayoutFixture, fixturePath, layoutImage } from '../support/fixtures.js';
import { skopeoInspect } from '../support/skopeo.js';
import { packTar as writeTar, readTar, type TarEntry as Entry } from '../support/tar-entries.js';
import { umociLs } from '../support/tools.js';

// Archives and layouts other tools wrote (fixtures/README.md says which tool made each).

const work = tempDir('regctl-interop-');
after(() => work.remove());
const TAR_DOT = fixturePath('archives', 'tar-dot-oci.tar');
const DOCKER25 = fixturePath('archives', 'docker25-null-manifests.tar');
const NOREF = fixturePath('archives', 'skopeo-oci-noref.tar');
// The image skopeo wrote into both archives (from fixtures/oci/skopeo-style).
const SKOPEO_IMAGE = 'sha256:6990338882a38bfaa29f17dca0093b7af09710f20ca75342933bec75f22c4283';

const rc = (cache: string, args: string[], input?: Buffer) => runCli(['--cache-dir', cache, ...args], input ? { input } : {});

/** Every path under `root` with its size and content hash, to prove a refusal changed nothing. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}

test('an OCI layout tarred with tar -C DIR -cf X.tar . loads: the ./ entry and ./-prefixed names are accepted', async () => {
  const names = (await readTar(readFileSync(TAR_DOT))).map((e) => e.header.name);
  assert.equal(names[0], './', 'the fixture starts with the ./ directory entry GNU tar writes');
  assert.ok(names.includes('./index.json'));
  const cache = join(work.dir, 'tar-dot');
  const r = await rc(cache, ['load', '-i', TAR_DOT]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Loaded image ID: ${SKOPEO_IMAGE}\n`, 'skopeo named it only "v1", a bare tag, so it loads unnamed');
  await umociLs(cache);
});

const DOT_ATTACKS: [string, RegExp, Partial<tar.Header>][] = [
  ['./../evil', /"\.\/\.\.\/evil" has a "\.\." path component/, { name: './../evil', type: 'file' }],
  ['./blobs/../../evil', /"\.\." path component/, { name: './blobs/../../evil', type: 'file' }],
  ['an absolute name', /absolute path/, { name: '/tmp/regctl-abs-evil', type: 'file' }],
  ['a ./ symlink out', /points at the absolute path/, { name: './escape', type: 'symlink', linkname: '/etc' }],
  ['a ./ hard link out', /points outside the archive/, { name: './hl', type: 'link', linkname: '../../etc/passwd' }],
  ['a ./ device', /is a character-device/, { name: './dev', type: 'character-device', devmajor: 1, devminor: 3 }],
  ['./ as a file', /has an empty name/, { name: './', type: 'file' }],
];

for (const [label, message, header] of DOT_ATTACKS) {
  test(`a tar -C DIR . archive with ${label} is still refused: exit 2, one line, cache unchanged`, async () => {
    const entries = await readTar(readFileSync(TAR_DOT));
    const bad: Entry = { header: { mode: 0o644, mtime: new Date(0), size: 1, ...header } as tar.Header, body: Buffer.from('x') };
    if (header.type !== 'file') bad.header.size = 0;
    // After the ./ root entry, so the root entry is not what refuses it.
    const bytes = await writeTar(label === './ as a file' ? [bad, ...entries.slice(1)] : [entries[0] as Entry, bad, ...entries.slice(1)]);
    const cache = join(work.dir, `dot-${label.replace(/[^a-z]+/g, '-')}`);
    assert.equal((await rc(cache, ['images'])).code, 0);
    const before = snapshot(cache);
    const r = await rc(cache, ['load'], bytes);
    assert.equal(r.code, 2, `${label}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(snapshot(cache), before);
    assert.ok(!existsSync('/tmp/regctl-abs-evil'));
  });
}

test('a Docker 25.0 archive whose index.json says "manifests": null loads by manifest.json, as skopeo reads it', async () => {
  const skopeo = (await skopeoInspect(`docker-archive:${DOCKER25}`)).json as { Layers: string[] };
  const cache = join(work.dir, 'docker25');
  const r = await rc(cache, ['load', '-i', DOCKER25]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Loaded image: docker.io/docker25/null:1\n');
  const i = await rc(cache, ['inspect', 'docker25/null:1', '--json']);
  const doc = JSON.parse(i.stdout) as { images: { manifest: { layers: { digest: string }[] } }[] };
  assert.deepEqual(
    doc.images[0]?.manifest.layers.map((l) => l.digest),
    skopeo.Layers,
    'the uncompressed layer is stored as it is: its digest is the diff_id',
  );
  await umociLs(cache);

  // With nothing in manifest.json either, there is no image: refused, cache unchanged.
  const entries = (await readTar(readFileSync(DOCKER25))).filter((e) => e.header.name !== 'manifest.json');
  const empty = join(work.dir, 'docker25-empty');
  assert.equal((await rc(empty, ['images'])).code, 0);
  const before = snapshot(empty);
  const bad = await rc(empty, ['load'], await writeTar(entries));
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^Error: invalid archive: it holds no image: index.json lists none\n$/);
  assert.deepEqual(snapshot(empty), before);
});

test('an image loaded without a name is listed as <none> <none> (null in --json) and tag IMAGE-ID NAME names it', async () => {
  const cache = join(work.dir, 'noref');
  const index = JSON.parse((await readTar(readFileSync(NOREF))).find((e) => e.header.name === 'index.json')?.body.toString('utf8') ?? '{}') as {
    manifests: { annotations?: unknown }[];
  };
  assert.equal(index.manifests[0]?.annotations, undefined, 'skopeo wrote no name at all');
  const r = await rc(cache, ['load', '-i', NOREF]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Loaded image ID: ${SKOPEO_IMAGE}\n`);
  const id = SKOPEO_IMAGE.slice(7, 19);
  const table = await rc(cache, ['images']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^<none>\\s+<none>\\s+${id}\\s`, 'm'));
  const json = JSON.parse((await rc(cache, ['images', '--json'])).stdout) as {
    name: string | null;
    repository: string | null;
    tag: string | null;
    digest: string;
  }[];
  assert.deepEqual(
    json.map((x) => [x.name, x.repository, x.tag, x.digest]),
    [[null, null, null, SKOPEO_IMAGE]],
  );
  assert.equal((await rc(cache, ['images', '-q'])).stdout, `${id}\n`);
  assert.equal((await rc(cache, ['images', 'library/alpine'])).stdout.trim().split('\n').length, 1, 'a repository filter leaves unnamed images out');

  const t = await rc(cache, ['tag', id, 'example.com/team/named:1']);
  assert.equal(t.code, 0, t.stderr);
  const after = JSON.parse((await rc(cache, ['images', '--json'])).stdout) as { name: string | null }[];
  assert.deepEqual(
    after.map((x) => x.name),
    ['example.com/team/named:1'],
    'naming it replaces the <none> row, as in docker',
  );
  await umociLs(cache);
});

test('save refuses a Helm chart and an OCI artifact (exit 2, naming the artifact type) and writes nothing', async () => {
  const cache = copyLayoutFixture('artifacts');
  try {
    const listed = await rc(cache.dir, ['images']);
    assert.equal(listed.code, 0, listed.stderr);
    const before = snapshot(cache.dir);
    for (const [name, type] of [
      ['example.com/charts/hello:0.1.0', 'application/vnd.cncf.helm.config.v1+json'],
      ['example.com/app:sbom', 'application/spdx+json'],
    ] as const) {
      const file = join(work.dir, 'artifact.tar');
      const r = await rc(cache.dir, ['save', name, '-o', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, new RegExp(`cannot save ${name}: it is an artifact of type ${type.replace(/[.+]/g, '\\$&')}, not a container image`));
      assert.ok(!existsSync(file));
      const toStdout = await rc(cache.dir, ['save', name]);
      assert.equal(toStdout.code, 2);
      assert.equal(toStdout.stdout, '', 'not one byte of an archive on stdout');
    }
    assert.deepEqual(snapshot(cache.dir), before);
    assert.equal(layoutImage(cache.dir, 'example.com/app:sbom').manifest.config.mediaType, 'application/vnd.oci.empty.v1+json');
  } finally {
    cache.remove();
  }
});
