import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { regctl, seedImage, seedIndex, THREE_PLATFORMS } from './push-support.js';

interface InspectDoc {
  name: string | null;
  digest: string;
  mediaType: string;
  size: number;
  manifests: { digest: string; platform: string }[];
  images: { digest: string; platform: string; size: number; config: { config: { Labels: Record<string, string> } } }[];
}

describe('regctl inspect --remote', { timeout: 60_000 }, () => {
  let a: RunningRegistry;
  let image: RandomImage;
  let index: RandomIndex;
  const work = tempDir('regctl-inspect-remote-');
  const cacheDir = join(work.dir, 'cache');
  const C = ['--cache-dir', cacheDir];

  before(async () => {
    a = await startRegistry({ mode: 'open' });
    image = await seedImage(a, 'team/app:v1', { seed: 'inspect', layers: 2, layerSize: 5000 });
    index = await seedIndex(a, 'team/multi:v1', { seed: 'inspect-index', platforms: THREE_PLATFORMS });
  });

  after(async () => {
    await a?.stop();
    work.remove();
  });

  it('--json gives the platforms, digests and sizes of an index', async () => {
    const doc = JSON.parse((await regctl([...C, 'inspect', '--remote', '--json', `${a.host}/team/multi:v1`])).stdout) as InspectDoc;
    assert.equal(doc.digest, index.index.digest);
    assert.equal(doc.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      doc.manifests.map((m) => m.platform),
      ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
    );
    assert.deepEqual(
      doc.manifests.map((m) => m.digest),
      index.images.map((i) => i.manifest.digest),
    );
    assert.equal(doc.images.length, 3);
  });

  it('--json of a single image gives its manifest, config and size', async () => {
    const doc = JSON.parse((await regctl([...C, 'inspect', '--remote', '--json', `${a.host}/team/app:v1`])).stdout) as InspectDoc;
    assert.equal(doc.digest, image.manifest.digest);
    assert.equal(doc.images[0]?.platform, 'linux/amd64');
    assert.equal(doc.images[0]?.config.config.Labels['io.regctl.test.seed'], 'inspect');
    const layers = image.layers.reduce((n, l) => n + l.size, 0);
    assert.ok(doc.size >= layers, `size ${doc.size} counts the layers (${layers})`);
  });

  it('prints a readable summary, and writes nothing to the cache', async () => {
    const r = await regctl([...C, 'inspect', '--remote', `${a.host}/team/multi:v1`]);
    assert.match(r.stdout, new RegExp(`Digest: +${index.index.digest}`));
    assert.match(r.stdout, /Platforms:\n {2}linux\/amd64 /);
    assert.equal(existsSync(cacheDir), false);
  });

  it('an unknown tag exits 3', async () => {
    await regctl([...C, 'inspect', '--remote', `${a.host}/team/app:nope`], 3);
  });
});
