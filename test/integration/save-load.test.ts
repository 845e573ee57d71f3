import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { hostPlatform } from '../../src/oci/platform.js';
import { buildRandomImage, buildRandomIndex, randomTar, type RandomImage } from '../support/random-image.js';
import { isolatedEnv, REGCTL_BIN, runCli, tempDir } from '../support/cli.js';
import { skopeo, skopeoCopy, skopeoInspect } from '../support/skopeo.js';
import { packTar } from '../support/tar-entries.js';
import { requireTool, run, umociLs } from '../support/tools.js';

let work: { dir: string; remove: () => void };
let cacheDir: string;
let alpine: RandomImage;
let tool: RandomImage;
let multiDigest: string;
const other = hostPlatform().architecture === 'arm64' ? { os: 'linux', architecture: 'amd64' } : { os: 'linux', architecture: 'arm64', variant: 'v8' };

before(async () => {
  requireTool('skopeo');
  requireTool('umoci');
  work = tempDir('regctl-save-load-');
  cacheDir = join(work.dir, 'cache');
  const store = await LayoutStore.open(cacheDir, { create: true });
  alpine = await buildRandomImage(store, { seed: 'save-alpine', layers: 2, layerSize: 8192 });
  await store.tag(alpine.manifest, 'docker.io/library/alpine:3.20');
  await store.tag(alpine.manifest, 'localhost:5000/team/app:v1');
  tool = await buildRandomImage(store, { seed: 'save-tool', layers: 1, layerSize: 4096, mediaTypes: 'docker' });
  await store.tag(tool.manifest, 'ghcr.io/acme/tool:2');
  const multi = await buildRandomIndex(store, { seed: 'save-multi', platforms: [hostPlatform(), other] });
  multiDigest = multi.index.digest;
  await store.tag(multi.index, 'ghcr.io/acme/multi:1.0');
});

after(() => work.remove());

const rc = (cache: string, args: string[], input?: Buffer) => runCli(['--cache-dir', cache, ...args], input ? { input } : {});
const fresh = (name: string): string => join(work.dir, name);

/** Runs bin/regctl with stdout redirected to a file by the shell, as a user piping `save` would. */
function saveToStdout(args: string[], file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `"$0" "$@" > "${file}"`, process.execPath, REGCTL_BIN, '--cache-dir', cacheDir, 'save', ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...isolatedEnv() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function manifestOf(layoutDir: string, digest: string): { config: { digest: string }; layers: { digest: string; mediaType: string }[] } {
  return JSON.parse(readFileSync(join(layoutDir, 'blobs', 'sha256', digest.slice(7)), 'utf8'));
}

function digestOf(cache: string, name: string): string | undefined {
  const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === name)?.digest;
}

test('save writes a docker-archive skopeo reads, with an OCI layout umoci accepts', async () => {
  const file = join(work.dir, 'alpine.tar');
  const r = await rc(cacheDir, ['save', 'alpine:3.20', '-o', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const inspected = (await skopeoInspect(`docker-archive:${file}`)).json as { Layers: string[]; RepoTags: string[] };
  assert.deepEqual(inspected.Layers, alpine.diffIds, 'docker-archive layers are the cached image diff_ids');
  const copied = join(work.dir, 'copied');
  await skopeoCopy(`docker-archive:${file}`, `oci:${copied}:x`);
  const copiedIndex = JSON.parse(readFileSync(join(copied, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  assert.equal(manifestOf(copied, copiedIndex.manifests[0]?.digest as string).config.digest, alpine.config.digest);

  const extracted = join(work.dir, 'extracted');
  mkdirSync(extracted);
  await run('tar', ['-xf', file, '-C', extracted], { check: true });
  const docker = JSON.parse(readFileSync(join(extracted, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  assert.deepEqual(docker, [
    {
      Config: `blobs/sha256/${alpine.config.digest.slice(7)}`,
      RepoTags: ['alpine:3.20'],
      Layers: alpine.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    },
  ]);
  assert.deepEqual(JSON.parse(readFileSync(join(extracted, 'repositories'), 'utf8')), { alpine: { '3.20': alpine.config.digest.slice(7) } });
  const index = JSON.parse(readFileSync(join(extracted, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
  assert.deepEqual(
    index.manifests.map((m) => [m.digest, m.annotations]),
    [[alpine.manifest.digest, { 'io.containerd.image.name': 'docker.io/library/alpine:3.20', 'org.opencontainers.image.ref.name': '3.20' }]],
  );
  assert.deepEqual(await umociLs(extracted), ['3.20']);
  const oci = (await skopeoInspect(`oci:${extracted}:3.20`, { raw: true })).json as { layers: { digest: string }[] };
  assert.deepEqual(
    oci.layers.map((l) => l.digest),
    alpine.layers.map((l) => l.digest),
    'the OCI layout keeps the cached layers as they are',
  );
});

test('save -o - and save without -o stream to stdout; a multi-image save stores shared blobs once and loads back', async () => {
  const viaDash = join(work.dir, 'multi-dash.tar');
  const viaPipe = join(work.dir, 'multi-pipe.tar');
  const refs = ['alpine:3.20', 'localhost:5000/team/app:v1', 'ghcr.io/acme/tool:2', 'ghcr.io/acme/multi:1.0'];
  assert.equal(await saveToStdout(['-o', '-', ...refs], viaDash), 0);
  assert.equal(await saveToStdout(refs, viaPipe), 0);
  assert.deepEqual(readFileSync(viaDash), readFileSync(viaPipe), 'the same images give byte-identical archives');
  const list = await run('tar', ['-tf', viaDash], { check: true });
  const names = list.stdout.trim().split('\n');
  assert.equal(new Set(names).size, names.length, 'each blob is stored once');
  assert.ok(names.includes(`blobs/sha256/${multiDigest.slice(7)}`), 'the index is kept');
  const docker = JSON.parse((await run('tar', ['-xOf', viaDash, 'manifest.json'], { check: true })).stdout) as { RepoTags: string[] }[];
  assert.deepEqual(
    docker.map((e) => e.RepoTags),
    [['alpine:3.20', 'localhost:5000/team/app:v1'], ['ghcr.io/acme/tool:2'], ['ghcr.io/acme/multi:1.0']],
  );

  const target = fresh('multi-load');
  const r = await rc(target, ['load', '-i', viaDash]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), [
    'Loaded image: docker.io/library/alpine:3.20',
    'Loaded image: ghcr.io/acme/multi:1.0',
    'Loaded image: ghcr.io/acme/tool:2',
    'Loaded image: localhost:5000/team/app:v1',
  ]);
  for (const name of ['docker.io/library/alpine:3.20', 'localhost:5000/team/app:v1', 'ghcr.io/acme/tool:2', 'ghcr.io/acme/multi:1.0']) {
    assert.equal(digestOf(target, name), digestOf(cacheDir, name), name);
  }
  await umociLs(target);
});

test('save --platform lists the chosen platform in manifest.json; an unknown platform is not found', async () => {
  const file = join(work.dir, 'other.tar');
  const p = [other.os, other.architecture, other.variant].filter(Boolean).join('/');
  const r = await rc(cacheDir, ['save', 'ghcr.io/acme/multi:1.0', '--platform', p, '-o', file]);
  assert.equal(r.code, 0, r.stderr);
  const inspected = (await skopeoInspect(`docker-archive:${file}`)).json as { Architecture: string };
  assert.equal(inspected.Architecture, other.architecture);
  const bad = await rc(cacheDir, ['save', 'ghcr.io/acme/multi:1.0', '--platform', 'linux/s390x', '-o', file]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /no linux\/s390x image/);
  const missing = await rc(cacheDir, ['save', 'nosuch:1', '-o', join(work.dir, 'never.tar')]);
  assert.equal(missing.code, 3);
  assert.ok(!existsSync(join(work.dir, 'never.tar')));
});

test('load reads skopeo docker-archive (old layout with symlinks) from stdin, plain and gzip', async () => {
  const src = join(work.dir, 'src-layout');
  const store = await LayoutStore.open(src, { create: true });
  const img = await buildRandomImage(store, { seed: 'skopeo-docker', layers: 2, layerSize: 5000 });
  await store.tag(img.manifest, 'v1');
  const file = join(work.dir, 'skopeo-docker.tar');
  await skopeoCopy(`oci:${src}:v1`, `docker-archive:${file}:foo/bar:v1`);
  for (const [label, bytes] of [
    ['plain', readFileSync(file)],
    ['gzip', gzipSync(readFileSync(file))],
  ] as const) {
    const target = fresh(`skopeo-docker-${label}`);
    const r = await rc(target, ['load'], bytes);
    assert.equal(r.code, 0, `${label}: ${r.stderr}`);
    assert.equal(r.stdout, 'Loaded image: docker.io/foo/bar:v1\n');
    const m = manifestOf(target, digestOf(target, 'docker.io/foo/bar:v1') as string);
    assert.equal(m.config.digest, img.config.digest);
    assert.deepEqual(
      m.layers.map((l) => l.digest),
      img.diffIds,
      'uncompressed layers are stored as they are',
    );
    assert.deepEqual(
      m.layers.map((l) => l.mediaType),
      ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar'],
    );
    await umociLs(target);
    const back = join(work.dir, `skopeo-back-${label}`);
    await skopeoCopy(`oci:${target}:docker.io/foo/bar:v1`, `oci:${back}:x`);
  }
});

test('load reads skopeo oci-archive: a bare tag loads by digest and says how to tag it; a full name is used', async () => {
  const src = join(work.dir, 'src-oci');
  const store = await LayoutStore.open(src, { create: true });
  const img = await buildRandomImage(store, { seed: 'skopeo-oci', layers: 1, layerSize: 3000 });
  await store.tag(img.manifest, 'v1');
  const bare = join(work.dir, 'bare.tar');
  const named = join(work.dir, 'named.tar');
  await skopeoCopy(`oci:${src}:v1`, `oci-archive:${bare}:v1`);
  await skopeoCopy(`oci:${src}:v1`, `oci-archive:${named}:myapp:v2`);
  const target = fresh('skopeo-oci');
  const r = await rc(target, ['load', '-i', bare]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Loaded image ID: ${img.manifest.digest}\n`);
  assert.match(r.stderr, new RegExp(`regctl tag ${img.manifest.digest} NAME`));
  const t = await rc(target, ['tag', img.manifest.digest, 'example.com/app:1']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(digestOf(target, 'example.com/app:1'), img.manifest.digest);
  const q = await rc(target, ['load', '-q', '-i', named]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stdout, 'docker.io/library/myapp:v2\n');
  assert.equal(digestOf(target, 'docker.io/library/myapp:v2'), img.manifest.digest);
});

test('round trip: save, rmi, prune, load gives the same manifest digests', async () => {
  const cache = fresh('round-trip');
  const store = await LayoutStore.open(cache, { create: true });
  const img = await buildRandomImage(store, { seed: 'round', layers: 2, layerSize: 4096 });
  await store.tag(img.manifest, 'docker.io/library/round:1');
  const idx = await buildRandomIndex(store, { seed: 'round-multi', platforms: [hostPlatform(), other] });
  await store.tag(idx.index, 'docker.io/library/roundmulti:1');
  const file = join(work.dir, 'round.tar.gz');
  assert.equal((await rc(cache, ['save', 'round:1', 'roundmulti:1', '-o', file])).code, 0);
  writeFileSync(file, gzipSync(readFileSync(file)));
  assert.equal((await rc(cache, ['rmi', 'round:1', 'roundmulti:1'])).code, 0);
  assert.equal((await rc(cache, ['prune'])).code, 0);
  assert.deepEqual(readdirSync(join(cache, 'blobs', 'sha256')), []);
  const r = await rc(cache, ['load', '-i', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(digestOf(cache, 'docker.io/library/round:1'), img.manifest.digest);
  assert.equal(digestOf(cache, 'docker.io/library/roundmulti:1'), idx.index.digest);
  const images = await rc(cache, ['images', '--json']);
  const rows = JSON.parse(images.stdout) as { name: string; platforms: string[] }[];
  assert.equal(rows.find((x) => x.name === 'docker.io/library/roundmulti:1')?.platforms.length, 2);
  await umociLs(cache);
});

test('load of a hand-made old docker archive types layers by their bytes', async () => {
  const { entries, manifestDigest } = await oldDockerArchive();
  const target = fresh('old-docker');
  const r = await rc(target, ['load'], await makeTar(entries));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Loaded image: docker.io/library/old:1\n');
  const m = manifestOf(target, digestOf(target, 'docker.io/library/old:1') as string);
  assert.deepEqual(
    m.layers.map((l) => l.mediaType),
    ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip'],
  );
  assert.equal(digestOf(target, 'docker.io/library/old:1'), manifestDigest);
});

const MALICIOUS: [string, RegExp, (good: Awaited<ReturnType<typeof ociArchiveEntries>>) => { entries: Parameters<typeof makeTar>[0]; truncate?: number }][] = [
  ['a ../ name', /"\.\.\/evil" has a "\.\." path component/, (g) => ({ entries: [{ name: '../evil', body: Buffer.from('x') }, ...g.entries] })],
  ['a ../ name deep inside', /"\.\." path component/, (g) => ({ entries: [{ name: 'blobs/../../../evil', body: Buffer.from('x') }, ...g.entries] })],
  [
    'an absolute name',
    /absolute path/,
    (g) => ({ entries: [...g.entries.slice(0, 2), { name: `${g.outside}/abs-evil`, body: Buffer.from('x') }, ...g.entries.slice(2)] }),
  ],
  [
    'a symlink out then a file through it',
    /points at the absolute path|points outside/,
    (g) => ({ entries: [{ name: 'escape', type: 'symlink', linkname: g.outside }, { name: 'escape/payload', body: Buffer.from('x') }, ...g.entries] }),
  ],
  ['a relative symlink out', /points outside the archive/, (g) => ({ entries: [{ name: 'a/escape', type: 'symlink', linkname: '../../..' }, ...g.entries] })],
  [
    'a file through an inside symlink',
    /goes through the link "blobs"/,
    (g) => ({ entries: [{ name: 'blobs', type: 'symlink', linkname: 'elsewhere' }, ...g.entries] }),
  ],
  ['a hard link out', /points outside the archive/, (g) => ({ entries: [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }, ...g.entries] })],
  ['a device entry', /is a character-device/, (g) => ({ entries: [{ name: 'dev', type: 'character-device' }, ...g.entries] })],
  [
    'a blob whose bytes do not match its name',
    /does not match its digest/,
    (g) => ({ entries: g.entries.map((e) => (e.name === g.layerEntry ? { ...e, body: Buffer.alloc(e.body?.length ?? 1, 7) } : e)) }),
  ],
  [
    'duplicate entries',
    /duplicate entry "index.json"/,
    (g) => ({ entries: [...g.entries, g.entries.find((e) => e.name === 'index.json') as (typeof g.entries)[number]] }),
  ],
  ['a stream truncated inside an entry', /truncated/, (g) => ({ entries: g.entries, truncate: 2048 + 100 })],
  ['a stream truncated at an entry boundary', /truncated \(no end-of-archive marker\)/, (g) => ({ entries: g.entries, truncate: -1024 })],
  ['a blob missing', /is missing/, (g) => ({ entries: g.entries.filter((e) => e.name !== g.layerEntry) })],
];

for (const [label, message, make] of MALICIOUS) {
  test(`load refuses ${label}: exit 2, cache and surroundings unchanged`, async () => {
    const root = fresh(`evil-${label.replace(/[^a-z]+/g, '-')}`);
    const cache = join(root, 'cache');
    const cwd = join(root, 'cwd');
    mkdirSync(cwd, { recursive: true });
    const store = await LayoutStore.open(cache, { create: true });
    const keep = await buildRandomImage(store, { seed: 'evil-keep', layers: 1, layerSize: 512 });
    await store.tag(keep.manifest, 'docker.io/library/keep:1');
    const good = await ociArchiveEntries(join(root, 'outside'));
    const { entries, truncate } = make(good);
    let bytes = await makeTar(entries);
    if (truncate !== undefined) bytes = bytes.subarray(0, truncate);
    const before = snapshot(root);
    const r = await runCli(['--cache-dir', cache, 'load'], { input: bytes, cwd });
    assert.equal(r.code, 2, `${label}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(r.stdout, '');
    assert.deepEqual(snapshot(root), before, 'nothing written in the cache or beside it');
    assert.ok(!existsSync(good.outside), 'nothing written outside');
  });
}

test('load refuses garbage, empty input and a missing file with exit 2', async () => {
  const cache = fresh('garbage');
  for (const input of [Buffer.from('not a tar '.repeat(100)), Buffer.alloc(0), gzipSync(Buffer.from('nope'))]) {
    const r = await rc(cache, ['load'], input);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: invalid archive: /);
  }
  const missing = await rc(cache, ['load', '-i', join(work.dir, 'nope.tar')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.tar/);
  const s = await skopeo(['--version']);
  assert.equal(s.code, 0);
});

// ---- archive builders (tests make their own archives, malicious ones included) ----

interface TarEntry {
  name: string;
  body?: Buffer;
  type?: 'file' | 'symlink' | 'link' | 'character-device' | 'directory';
  linkname?: string;
}

/** A tar of exactly these entries, names written as given (no sanitising). */
function makeTar(entries: TarEntry[]): Promise<Buffer> {
  return packTar(
    entries.map((e) => {
      const type = e.type ?? 'file';
      const body = e.body ?? Buffer.alloc(0);
      if (type === 'file') return { header: { name: e.name, size: body.length }, body };
      return {
        header: { name: e.name, type, ...(e.linkname ? { linkname: e.linkname } : {}), ...(type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}) },
        body: Buffer.alloc(0),
      };
    }),
  );
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The entries of a valid OCI archive of one random image named docker.io/library/evil:1, layer first. */
async function ociArchiveEntries(outside: string): Promise<{ entries: TarEntry[]; layerEntry: string; outside: string }> {
  const dir = join(`${outside}-src`);
  const store = await LayoutStore.open(dir, { create: true });
  const img = await buildRandomImage(store, { seed: 'evil', layers: 1, layerSize: 4096 });
  const blob = (d: string): TarEntry => ({ name: `blobs/sha256/${d.slice(7)}`, body: readFileSync(join(dir, 'blobs', 'sha256', d.slice(7))) });
  const index = {
    schemaVersion: 2,
    manifests: [{ ...img.manifest, annotations: { 'io.containerd.image.name': 'docker.io/library/evil:1', 'org.opencontainers.image.ref.name': '1' } }],
  };
  const layerEntry = `blobs/sha256/${img.layers[0]!.digest.slice(7)}`;
  return {
    entries: [
      { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      blob(img.layers[0]?.digest as string),
      blob(img.config.digest),
      blob(img.manifest.digest),
      { name: 'index.json', body: Buffer.from(JSON.stringify(index)) },
    ],
    layerEntry,
    outside,
  };
}

/** An old-style docker save archive (<id>/layer.tar, <config>.json) with one plain and one gzip'd layer. */
async function oldDockerArchive(): Promise<{ entries: TarEntry[]; manifestDigest: string }> {
  const plain = await collect(randomTar('old-1', 3000));
  const second = await collect(randomTar('old-2', 2000));
  const gz = gzipSync(second);
  const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(plain), sha(second)] }, config: {} }),
  );
  const cfgHex = sha(config).slice(7);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(plain), size: plain.length },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(gz), size: gz.length },
    ],
  };
  return {
    entries: [
      { name: 'aaa/', type: 'directory' },
      { name: 'aaa/VERSION', body: Buffer.from('1.0') },
      { name: 'aaa/layer.tar', body: plain },
      { name: 'bbb/', type: 'directory' },
      { name: 'bbb/layer.tar', body: gz },
      { name: `${cfgHex}.json`, body: config },
      {
        name: 'manifest.json',
        body: Buffer.from(JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: ['old:1'], Layers: ['aaa/layer.tar', './bbb/layer.tar'] }])),
      },
      { name: 'repositories', body: Buffer.from('{"old":{"1":"bbb"}}') },
    ],
    manifestDigest: sha(Buffer.from(JSON.stringify(manifest))),
  };
}

/** Every path under `root` with its size and content hash, to prove a refused load changed nothing. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const s = statSync(p);
      if (s.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${s.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}
