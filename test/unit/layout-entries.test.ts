import assert from 'node:assert/strict';
import { access, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { Annotation, type Descriptor } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { readStream } from '../../src/content/read-all.js';
import { tempLayout } from '../support/layout-check.js';

function kind(want: string): (err: unknown) => boolean {
  return (err) => err instanceof RegctlError && err.kind === want;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

test('adoptBlob renames a verified temp file into blobs/, once, and refuses a wrong size or a file outside the temp area', async (t) => {
  const { store, dir, cleanup } = await tempLayout();
  t.after(cleanup);
  const bytes = Buffer.from('a layer staged from an archive');
  const desc: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length };
  const staged = await store.tempFile('load');
  await writeFile(staged, bytes);
  assert.equal(await store.adoptBlob(desc, staged), true);
  assert.equal(await exists(staged), false, 'the temp file became the blob');
  assert.deepEqual(await readStream(await store.fetch(desc), 1024), bytes);
  const again = await store.tempFile('load');
  await writeFile(again, bytes);
  assert.equal(await store.adoptBlob(desc, again), false, 'a stored blob is kept');
  assert.equal(await exists(again), true, 'and the file is left to the caller');
  const short = await store.tempFile('load');
  await writeFile(short, bytes.subarray(1));
  const other = { ...desc, digest: sha256Digest(bytes.subarray(1)) };
  await assert.rejects(store.adoptBlob(other, short), kind('integrity'));
  assert.equal(await store.exists({ ...other, size: bytes.length - 1 }), false);
  const outside = join(dir, 'elsewhere');
  await writeFile(outside, bytes.subarray(1));
  await assert.rejects(store.adoptBlob({ ...other, size: bytes.length - 1 }, outside), kind('internal'));
  assert.deepEqual((await readdir(join(dir, 'blobs', 'sha256'))).length, 1);
});

test('addEntry lists an unnamed manifest once, not beside an entry of the same manifest, and names one like tag', async (t) => {
  const { store, cleanup } = await tempLayout();
  t.after(cleanup);
  const manifest = (seed: string): { desc: Descriptor; bytes: Buffer } => {
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest('{}'), size: 2 },
        layers: [],
        annotations: { seed },
      }),
    );
    return { desc: { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length }, bytes };
  };
  const a = manifest('a');
  const b = manifest('b');
  await store.pushBytes(a.desc, a.bytes);
  await store.pushBytes(b.desc, b.bytes);
  await store.addEntry(a.desc);
  await store.addEntry(a.desc);
  await store.addEntry(b.desc, 'docker.io/library/b:1');
  await store.addEntry(b.desc);
  assert.deepEqual(
    (await store.list()).map((d) => [d.digest, d.annotations?.[Annotation.refName]]),
    [
      [a.desc.digest, undefined],
      [b.desc.digest, 'docker.io/library/b:1'],
    ],
  );
  await assert.rejects(store.addEntry(manifest('c').desc), kind('not-found'));
});
