import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy, skopeoInspect } from '../support/skopeo.js';
import { umociLs } from '../support/tools.js';
import { blobUploads, credEnv, mounts, regctl, seedImage, seedIndex, skopeoDigest, skopeoRaw, snapshot, THREE_PLATFORMS } from './push-support.js';

describe('regctl copy', { timeout: 120_000 }, () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let tok: RunningRegistry;
  let image: RandomImage;
  let index: RandomIndex;
  const cache = tempDir('regctl-copy-cache-');
  const work = tempDir('regctl-copy-work-');
  const C = ['--cache-dir', cache.dir, '--progress', 'plain'];
  let cacheBefore: string[];

  before(async () => {
    [a, b, tok] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'open' }), startRegistry({ mode: 'token' })]);
    image = await seedImage(a, 'src/app:v1', { seed: 'copy-image', layers: 2, layerSize: 100_000 });
    index = await seedIndex(a, 'src/multi:v1', { seed: 'copy-index', platforms: THREE_PLATFORMS });
    // A cache with content, to show copy leaves it exactly as it was.
    await regctl([...C, 'pull', `${a.host}/src/app:v1`]);
    cacheBefore = await snapshot(cache.dir);
  });

  after(async () => {
    await Promise.all([a, b, tok].map((r) => r?.stop()));
    cache.remove();
    work.remove();
  });

  it('copies registry A → B with the digest preserved', async () => {
    const r = await regctl([...C, 'copy', `${a.host}/src/app:v1`, `${b.host}/app:v1`]);
    assert.equal(r.stdout, `Digest: ${image.manifest.digest}\n${b.host}/app@${image.manifest.digest}\n`);
    assert.equal(await skopeoDigest(b, 'app:v1'), image.manifest.digest);
  });

  it('within one registry mounts every blob: no blob bytes move', async () => {
    await a.clearAccessLog();
    const r = await regctl([...C, 'copy', `${a.host}/src/app:v1`, `${a.host}/dst/app:v1`]);
    const log = await a.accessLog();
    assert.equal(mounts(log).filter((e) => e.status === 201).length, 3, JSON.stringify(log));
    assert.deepEqual(blobUploads(log), []);
    assert.equal(log.filter((e) => e.method === 'GET' && /\/blobs\//.test(e.path)).length, 0, 'no blob read');
    assert.match(r.stderr, /Mounted from src\/app/);
    assert.equal(await skopeoDigest(a, 'dst/app:v1'), image.manifest.digest);
  });

  it('copies a whole multi-platform index by default and with --all-platforms', async () => {
    await regctl([...C, 'copy', `${a.host}/src/multi:v1`, `${b.host}/multi:all`]);
    await regctl([...C, 'copy', '--all-platforms', `${a.host}/src/multi:v1`, `${b.host}/multi:all2`]);
    for (const tag of ['all', 'all2']) {
      assert.equal(await skopeoDigest(b, `multi:${tag}`), index.index.digest);
      assert.equal((await skopeoRaw(b, `multi:${tag}`)).manifests?.length, 3);
    }
  });

  it('a platform subset writes a filtered index with a new digest that skopeo reads and copies', async () => {
    const r = await regctl([...C, 'copy', '--platform', 'linux/amd64,linux/arm/v7', `${a.host}/src/multi:v1`, `${b.host}/multi:sub`]);
    const digest = /^Digest: (sha256:[a-f0-9]{64})$/m.exec(r.stdout)?.[1];
    assert.ok(digest && digest !== index.index.digest, r.stdout);
    assert.match(r.stdout, new RegExp(`Filtered index of linux/amd64, linux/arm/v7: a new digest \\(the source index is ${index.index.digest}\\)`));
    assert.equal(await skopeoDigest(b, 'multi:sub'), digest);
    const raw = await skopeoRaw(b, 'multi:sub');
    assert.deepEqual(
      raw.manifests?.map((m) => m.digest),
      [index.images[0]!.manifest.digest, index.images[2]!.manifest.digest],
    );
    const out = join(work.dir, 'sub');
    await skopeoCopy(`docker://${b.host}/multi:sub`, `oci:${out}:sub`, { all: true });
    const again = await regctl([...C, 'digest', `${b.host}/multi:sub`]);
    assert.equal(again.stdout.trim(), digest);
    const json = JSON.parse(
      (await regctl([...C, 'copy', '--json', '--platform', 'linux/arm64/v8', `${a.host}/src/multi:v1`, `${b.host}/multi:one`])).stdout,
    ) as { filtered: boolean; platforms: string[]; sourceDigest: string };
    assert.deepEqual([json.filtered, json.platforms, json.sourceDigest], [true, ['linux/arm64/v8'], index.index.digest]);
  });

  it('copies to and from oci: directories (and oci → oci)', async () => {
    const dir = join(work.dir, 'layout');
    const r = await regctl([...C, 'copy', `${a.host}/src/app:v1`, `oci:${dir}:v1`]);
    assert.equal(r.stdout.trim().split('\n').pop(), `oci:${dir}@${image.manifest.digest}`);
    assert.deepEqual(await umociLs(dir), ['v1']);
    assert.equal(((await skopeoInspect(`oci:${dir}:v1`)).json as { Digest: string }).Digest, image.manifest.digest);
    await regctl([...C, 'copy', `oci:${dir}:v1`, `${b.host}/fromoci:v1`]);
    assert.equal(await skopeoDigest(b, 'fromoci:v1'), image.manifest.digest);
    const dir2 = join(work.dir, 'layout2');
    await regctl([...C, 'copy', `oci:${dir}:v1`, `oci:${dir2}:copied`]);
    assert.deepEqual(await umociLs(dir2), ['copied']);
    // Without REF the destination is named after the source tag; an index round-trips too.
    const dir3 = join(work.dir, 'layout3');
    await regctl([...C, 'copy', `${a.host}/src/multi:v1`, `oci:${dir3}`]);
    assert.deepEqual(await umociLs(dir3), ['v1']);
    await regctl([...C, 'copy', `oci:${dir3}`, `${b.host}/multi:fromoci`]);
    assert.equal(await skopeoDigest(b, 'multi:fromoci'), index.index.digest);
  });

  it('copies to a token-auth registry with credentials; without them exits 4', async () => {
    await regctl([...C, 'copy', `${a.host}/src/app:v1`, `${tok.host}/alice/app:v1`], 4);
    await regctl([...C, 'copy', `${a.host}/src/app:v1`, `${tok.host}/alice/app:v1`], 0, credEnv(tok));
    assert.equal(await skopeoDigest(tok, 'alice/app:v1'), image.manifest.digest);
  });

  it('a missing source exits 3; conflicting flags exit 2', async () => {
    await regctl([...C, 'copy', `${a.host}/src/nothing:v1`, `${b.host}/x:v1`], 3);
    await regctl([...C, 'copy', '--platform', 'linux/amd64', '--all-platforms', `${a.host}/src/multi:v1`, `${b.host}/x:v1`], 2);
  });

  it('never touches the cache', async () => {
    assert.deepEqual(await snapshot(cache.dir), cacheBefore);
    const fresh = join(work.dir, 'no-cache');
    await regctl(['--cache-dir', fresh, 'copy', `${a.host}/src/app:v1`, `${b.host}/app:v2`]);
    assert.equal(existsSync(fresh), false);
  });
});
