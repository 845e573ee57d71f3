import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchAll } from '../../src/content/read-all.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { buildBuildxIndex, type BuildxIndex } from '../support/buildx-index.js';
import { tempDir } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy } from '../support/skopeo.js';
import { regctl, skopeoRaw } from './push-support.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

describe('--platform keeps the buildx attestations of the platforms kept', { timeout: 120_000 }, () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let built: BuildxIndex;
  const work = tempDir('regctl-attest-');
  const C = ['--cache-dir', join(work.dir, 'cache'), '--progress', 'plain'];

  before(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'open' })]);
    const dir = join(work.dir, 'src');
    const store = await LayoutStore.open(dir, { create: true });
    built = await buildBuildxIndex(store, 'buildx-shaped', [AMD64, ARM64]);
    await store.tag(built.index, 'src');
    await skopeoCopy(`oci:${dir}:src`, `docker://${a.host}/app:v1`, { all: true, destTls: false });
  });
  after(async () => {
    await Promise.all([a, b].map((r) => r?.stop()));
    work.remove();
  });

  it('copy --platform linux/amd64 keeps exactly the amd64 image and its attestation', async () => {
    await regctl([...C, 'copy', '--platform', 'linux/amd64', `${a.host}/app:v1`, `${b.host}/app:amd64`]);
    const raw = (await skopeoRaw(b, 'app:amd64')) as { manifests?: Descriptor[] };
    assert.deepEqual(
      raw.manifests?.map((m) => m.digest),
      [built.images[0]!.manifest.digest, built.attestations[0]!.digest],
    );
    assert.equal(raw.manifests?.[1]?.annotations?.['vnd.docker.reference.digest'], built.images[0]!.manifest.digest);
    assert.deepEqual(raw.manifests?.[1]?.platform, { architecture: 'unknown', os: 'unknown' });
    // The attestation's own blobs were copied: the registry serves its manifest.
    assert.equal((await regctl([...C, 'digest', `${b.host}/app@${built.attestations[0]!.digest}`])).stdout.trim(), built.attestations[0]!.digest);
  });

  it('copy of both platforms keeps both attestations; the whole index is unchanged without --platform', async () => {
    await regctl([...C, 'copy', '--platform', 'linux/arm64,linux/amd64', `${a.host}/app:v1`, `${b.host}/app:both`]);
    const raw = (await skopeoRaw(b, 'app:both')) as { manifests?: Descriptor[] };
    assert.deepEqual(
      raw.manifests?.map((m) => m.digest),
      [built.images[1]!.manifest.digest, built.images[0]!.manifest.digest, ...built.attestations.map((d) => d.digest)],
    );
    const whole = await regctl([...C, 'copy', '-q', `${a.host}/app:v1`, `${b.host}/app:all`]);
    assert.equal(whole.stdout.trim(), `${b.host}/app@${built.index.digest}`);
  });

  it('pull --platform of several platforms stores an index with their attestations; one platform stores one manifest (attestations dropped, as docker does)', async () => {
    const store = await LayoutStore.open(join(work.dir, 'cache'), { create: true });
    const named = async (): Promise<Descriptor> => {
      const entry = (await store.list()).find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === `${a.host}/app:v1`);
      assert.ok(entry, 'the image is named in the cache');
      return entry;
    };
    await regctl([...C, 'pull', '--platform', 'linux/amd64,linux/arm64', `${a.host}/app:v1`]);
    const index = JSON.parse((await fetchAll(store, await named())).toString('utf8')) as { manifests: Descriptor[] };
    assert.deepEqual(
      index.manifests.map((m) => m.digest),
      [built.images[0]!.manifest.digest, built.images[1]!.manifest.digest, ...built.attestations.map((d) => d.digest)],
    );
    await regctl([...C, 'pull', '--platform', 'linux/amd64', `${a.host}/app:v1`]);
    assert.equal((await named()).digest, built.images[0]!.manifest.digest);
  });
});
