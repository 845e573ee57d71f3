import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { Annotation, type Descriptor } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { buildRandomImage } from '../support/random-image.js';
import { runTargetContract } from '../support/target-contract.js';
import { tempFiles, tempLayout, umociCheckedTarget } from '../support/layout-check.js';
import { requireTool, run, umociLs, umociStat } from '../support/tools.js';

runTargetContract('LayoutStore', async () => {
  const { store, cleanup } = await tempLayout();
  return umociCheckedTarget(store, cleanup);
});

function failsWith(kind: string, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, kind);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one-line message');
    return true;
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('LayoutStore', () => {
  test('creates a layout umoci accepts, and refuses a missing one without create', async () => {
    const { dir, cleanup } = await tempLayout();
    try {
      assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
      assert.deepEqual(await umociLs(dir), []);
      await LayoutStore.open(dir, { create: true }); // idempotent
      await LayoutStore.open(dir, { create: false });
      const missing = join(dir, 'nope');
      await assert.rejects(LayoutStore.open(missing, { create: false }), failsWith('usage', new RegExp(`^not an OCI layout: ${missing}$`)));
      assert.equal(await exists(missing), false);
    } finally {
      await cleanup();
    }
  });

  test('tags carry both name annotations, keep other annotations, move, and untag', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const a = await buildRandomImage(store, { seed: 'ann-a', layers: 1, layerSize: 500 });
      const b = await buildRandomImage(store, { seed: 'ann-b', layers: 1, layerSize: 500 });
      const name = 'docker.io/library/node:latest';
      await store.tag({ ...a.manifest, annotations: { [Annotation.sourceIndex]: sha256Digest('idx') } }, name);
      assert.deepEqual(await umociLs(dir), [name]);
      let entries = await store.list();
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0]?.annotations, {
        [Annotation.sourceIndex]: sha256Digest('idx'),
        [Annotation.refName]: name,
        [Annotation.containerdName]: name,
      });

      await store.tag(a.manifest, 'docker.io/library/node:22');
      await store.tag(b.manifest, name);
      await umociLs(dir);
      entries = await store.list();
      assert.equal(entries.length, 2);
      assert.equal((await store.resolve(name)).digest, b.manifest.digest);
      assert.equal(entries.filter((d) => d.annotations?.[Annotation.refName] === name).length, 1);
      assert.equal((await store.resolve(name)).annotations?.[Annotation.sourceIndex], undefined);

      const removed = await store.untag(name);
      await umociLs(dir);
      assert.equal(removed?.digest, b.manifest.digest);
      assert.equal(await store.untag(name), undefined);
      await assert.rejects(store.resolve(name), failsWith('not-found', /not found/));
      assert.deepEqual(
        (await store.list()).map((d) => d.annotations?.[Annotation.refName]),
        ['docker.io/library/node:22'],
      );
    } finally {
      await cleanup();
    }
  });

  test('resolve by digest finds an untagged stored manifest and reads its media type', async () => {
    const { store, cleanup } = await tempLayout();
    try {
      const img = await buildRandomImage(store, { seed: 'untagged', layers: 1, layerSize: 10, mediaTypes: 'docker' });
      const desc = await store.resolve(img.manifest.digest);
      assert.deepEqual(desc, { mediaType: MediaType.dockerManifest, digest: img.manifest.digest, size: img.manifest.size });
      // a layer is not a manifest
      await assert.rejects(store.resolve(img.layers[0]!.digest), failsWith('not-found', /not found/));
    } finally {
      await cleanup();
    }
  });

  test('a damaged index.json is a one-line error naming the file', async () => {
    const { store, dir, cleanup } = await tempLayout();
    const file = join(dir, 'index.json');
    try {
      await writeFile(file, '{"schemaVersion": 2, "manifests": [');
      await assert.rejects(store.resolve('x'), failsWith('failed', new RegExp(`^cache index ${file} is not valid JSON; repair or delete it`)));
      await writeFile(file, JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.ociManifest, digest: 'sha256:zz', size: 1 }] }));
      await assert.rejects(store.list(), failsWith('failed', new RegExp(`^cache index ${file} is invalid at manifests\\[0\\]\\.digest: `)));
      await assert.rejects(
        store.tag({ mediaType: MediaType.ociManifest, digest: sha256Digest('x'), size: 1 }, 'y'),
        failsWith('failed', /repair or delete it/),
      );
      assert.equal(await exists(join(dir, 'index.json.lock')), false, 'the lock is released after a failure');
    } finally {
      await cleanup();
    }
  });

  test('reads a layout written by umoci init ("manifests": null)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regctl-umoci-'));
    try {
      const r = await run(requireTool('umoci'), ['init', '--layout', join(dir, 'l')]);
      assert.equal(r.code, 0, r.stderr);
      const store = await LayoutStore.open(join(dir, 'l'), { create: false });
      assert.deepEqual(await store.list(), []);
      const img = await buildRandomImage(store, { seed: 'u', layers: 1, layerSize: 10, tag: 'latest' });
      assert.deepEqual(await umociLs(join(dir, 'l')), ['latest']);
      assert.ok(await umociStat(join(dir, 'l'), 'latest'));
      assert.equal((await store.resolve('latest')).digest, img.manifest.digest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a push whose digest does not match leaves no blob and no temp file', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const bytes = Buffer.alloc(300_000, 7);
      const desc: Descriptor = { mediaType: MediaType.ociLayer, digest: sha256Digest('something else'), size: bytes.length };
      await assert.rejects(store.push(desc, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)])), failsWith('integrity', /digest mismatch/));
      assert.equal(await exists(store.blobPath(desc.digest)), false);
      assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), []);
      assert.deepEqual(await tempFiles(dir), []);
      await umociLs(dir);

      // a source that dies half way
      const good: Descriptor = { mediaType: MediaType.ociLayer, digest: sha256Digest(bytes), size: bytes.length };
      let sent = 0;
      const dying = new Readable({
        read() {
          if (sent++ === 0) this.push(bytes.subarray(0, 1000));
          else this.destroy(new Error('connection reset'));
        },
      });
      await assert.rejects(store.push(good, dying), /connection reset/);
      assert.equal(await store.exists(good), false);
      assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), []);
      assert.deepEqual(await tempFiles(dir), []);
      await umociLs(dir);
    } finally {
      await cleanup();
    }
  });

  test('concurrent pushes of one blob all succeed and leave one complete file', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      const bytes = Buffer.alloc(1 << 20, 3);
      const desc: Descriptor = { mediaType: MediaType.ociLayer, digest: sha256Digest(bytes), size: bytes.length };
      const chunks = (): Readable => Readable.from(Array.from({ length: 16 }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536)));
      await Promise.all(Array.from({ length: 6 }, () => store.push(desc, chunks())));
      assert.deepEqual(await readFile(store.blobPath(desc.digest)), bytes);
      assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), [desc.digest.slice(7)]);
      assert.deepEqual(await tempFiles(dir), []);
      await store.push(desc, chunks()); // already there: drained, still fine
      await umociLs(dir);
    } finally {
      await cleanup();
    }
  });

  test('skopeo inspects an image whose ref.name is a tag, and we read a layout skopeo wrote', async () => {
    const skopeo = requireTool('skopeo');
    const { store, dir, cleanup } = await tempLayout();
    const copyDir = await mkdtemp(join(tmpdir(), 'regctl-skopeo-'));
    try {
      const img = await buildRandomImage(store, { seed: 'skopeo', layers: 2, layerSize: 4096, tag: 'latest' });
      await umociLs(dir);
      const r = await run(skopeo, ['inspect', `oci:${dir}:latest`]);
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout) as { Digest: string; Layers: string[]; Architecture: string };
      assert.equal(info.Digest, img.manifest.digest);
      assert.deepEqual(
        info.Layers,
        img.layers.map((l) => l.digest),
      );
      assert.equal(info.Architecture, 'amd64');

      const c = await run(skopeo, ['--insecure-policy', 'copy', '--quiet', `oci:${dir}:latest`, `oci:${join(copyDir, 'out')}:v9`]);
      assert.equal(c.code, 0, c.stderr);
      const theirs = await LayoutStore.open(join(copyDir, 'out'), { create: false });
      const desc = await theirs.resolve('v9');
      assert.equal(desc.digest, img.manifest.digest);
      assert.equal(await theirs.exists(img.layers[1]!), true);
    } finally {
      await cleanup();
      await rm(copyDir, { recursive: true, force: true });
    }
  });

  test('a foreign file in blobs/ or the temp directory does not upset reads', async () => {
    const { store, dir, cleanup } = await tempLayout();
    try {
      await mkdir(join(dir, '.tmp'), { recursive: true });
      await writeFile(join(dir, '.tmp', '1.abc.blob'), 'partial');
      await writeFile(join(dir, 'blobs', 'sha256', 'README'), 'not a blob');
      await buildRandomImage(store, { seed: 'foreign', layers: 1, layerSize: 10, tag: 'x' });
      assert.deepEqual(await umociLs(dir), ['x']);
    } finally {
      await cleanup();
    }
  });
});

test('naming an image drops its dangling (unnamed) index entry and keeps other entries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-dangling-'));
  try {
    const store = await LayoutStore.open(dir, { create: true });
    const manifest = (seed: string): { desc: Descriptor; bytes: Buffer } => {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest('{}'), size: 2 },
          layers: [],
          annotations: { seed },
        }),
      );
      return { desc: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Digest(bytes), size: bytes.length }, bytes };
    };
    const a = manifest('a');
    const b = manifest('b');
    await store.pushBytes(a.desc, a.bytes);
    await store.pushBytes(b.desc, b.bytes);
    const raw = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    raw.manifests.push(a.desc, b.desc);
    await writeFile(join(dir, 'index.json'), JSON.stringify(raw));
    await store.tag(a.desc, 'docker.io/library/a:1');
    const after = await store.list();
    assert.deepEqual(
      after.map((d) => [d.digest, d.annotations?.[Annotation.refName]]),
      [
        [b.desc.digest, undefined],
        [a.desc.digest, 'docker.io/library/a:1'],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('LayoutStore.tag with an image name: ref.name and io.containerd.image.name apart, each unique; null leaves it out', async () => {
  const { store, cleanup } = await tempLayout();
  try {
    const img = await buildRandomImage(store, { seed: 'image-name', layers: 1, layerSize: 32 });
    await store.tag(img.manifest, 'v1', { imageName: 'example.com/app:v1' });
    await store.tag(img.manifest, 'v2', { imageName: 'example.com/app:v1' });
    await store.tag(img.manifest, 'v3', { imageName: null });
    const names = (await store.list()).map((d) => [d.annotations?.[Annotation.refName], d.annotations?.[Annotation.containerdName]]);
    assert.deepEqual(names, [
      ['v1', undefined],
      ['v2', 'example.com/app:v1'],
      ['v3', undefined],
    ]);
    assert.equal((await store.resolve('v2')).digest, img.manifest.digest);
    await umociLs(store.dir);
  } finally {
    await cleanup();
  }
});

test("a blob file whose size is not its descriptor's fails to open as damaged, naming digest and file", async () => {
  const { store, cleanup } = await tempLayout();
  try {
    const bytes = Buffer.from('content');
    const desc: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length };
    await store.pushBytes(desc, bytes);
    await writeFile(store.blobPath(desc.digest), 'content and more');
    await assert.rejects(
      store.fetch(desc),
      failsWith('integrity', new RegExp(`^blob ${desc.digest} is damaged: the file ${store.blobPath(desc.digest)} is 16 bytes, but the manifest says 7$`)),
    );
  } finally {
    await cleanup();
  }
});
