import assert from 'node:assert/strict';
import { appendFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { formatReference, parseReference } from '../../src/ref/reference.js';
import { tempDir } from '../support/cli.js';
import { fixturePath } from '../support/fixtures.js';
import type { RandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy, skopeoInspect } from '../support/skopeo.js';
import { umociLs } from '../support/tools.js';
import { regctl, seedImage } from './push-support.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const IMAGE_NAME = 'io.containerd.image.name';

/** The index.json entries of an OCI layout. */
function entries(dir: string): Descriptor[] {
  return (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests;
}

/**
 * The name `ctr images import` gives an index.json entry (containerd images/archive importer):
 * io.containerd.image.name when set, else ref.name, which it takes as a full name only when it
 * parses as one. Returns the normalized reference, or undefined for a bare tag it cannot use alone.
 */
function ctrName(entry: Descriptor): string | undefined {
  const name = entry.annotations?.[IMAGE_NAME] ?? entry.annotations?.[REF_NAME];
  if (!name || !/[/:]/.test(name)) return undefined;
  return formatReference(parseReference(name));
}

describe('copy to oci:DIR names images the way ctr and skopeo read them', { timeout: 120_000 }, () => {
  let reg: RunningRegistry;
  let image: RandomImage;
  const work = tempDir('regctl-copy-names-');
  const C = ['--progress', 'none'];

  before(async () => {
    reg = await startRegistry({ mode: 'open' });
    image = await seedImage(reg, 'src/app:v1', { seed: 'copy-names', layers: 1, layerSize: 2048 });
  });

  after(async () => {
    await reg?.stop();
    work.remove();
  });

  it('oci:DIR:TAG: ref.name is the tag, as skopeo writes it; io.containerd.image.name is the full name', async () => {
    const dir = join(work.dir, 'tag');
    await regctl([...C, 'copy', `${reg.host}/src/app:v1`, `oci:${dir}:v1`]);
    const byUs = entries(dir);
    assert.equal(byUs.length, 1);
    assert.deepEqual(byUs[0]?.annotations, { [REF_NAME]: 'v1', [IMAGE_NAME]: `${reg.host}/src/app:v1` });
    assert.equal(ctrName(byUs[0] as Descriptor), `${reg.host}/src/app:v1`, 'ctr images import names it after the source repository');

    const bySkopeo = join(work.dir, 'skopeo');
    await skopeoCopy(`docker://${reg.host}/src/app:v1`, `oci:${bySkopeo}:v1`, { srcTls: false });
    assert.equal(byUs[0]?.annotations?.[REF_NAME], entries(bySkopeo)[0]?.annotations?.[REF_NAME], 'ref.name as skopeo writes it');
    assert.equal(((await skopeoInspect(`oci:${dir}:v1`)).json as { Digest: string }).Digest, image.manifest.digest);
    assert.deepEqual(await umociLs(dir), ['v1']);

    // The same tag again moves the name; a second tag adds an entry with its own full name.
    await regctl([...C, 'copy', `${reg.host}/src/app:v1`, `oci:${dir}:v1`]);
    await regctl([...C, 'copy', `${reg.host}/src/app@${image.manifest.digest}`, `oci:${dir}:pinned`]);
    assert.deepEqual(
      entries(dir).map((e) => [e.annotations?.[REF_NAME], e.annotations?.[IMAGE_NAME]]),
      [
        ['v1', `${reg.host}/src/app:v1`],
        ['pinned', `${reg.host}/src/app:pinned`],
      ],
    );
  });

  it('oci:DIR:FULL-NAME uses that name for both; no REF takes the source tag', async () => {
    const dir = join(work.dir, 'full');
    await regctl([...C, 'copy', `${reg.host}/src/app:v1`, `oci:${dir}:example.com/team/app:v2`]);
    assert.deepEqual(entries(dir)[0]?.annotations, { [REF_NAME]: 'example.com/team/app:v2', [IMAGE_NAME]: 'example.com/team/app:v2' });
    assert.equal(((await skopeoInspect(`oci:${dir}:example.com/team/app:v2`)).json as { Digest: string }).Digest, image.manifest.digest);
    const short = join(work.dir, 'short');
    await regctl([...C, 'copy', `${reg.host}/src/app:v1`, `oci:${short}:alpine:3`]);
    assert.deepEqual(entries(short)[0]?.annotations, { [REF_NAME]: 'alpine:3', [IMAGE_NAME]: 'docker.io/library/alpine:3' });
    const bare = join(work.dir, 'bare');
    await regctl([...C, 'copy', `${reg.host}/src/app:v1`, `oci:${bare}`]);
    assert.deepEqual(entries(bare)[0]?.annotations, { [REF_NAME]: 'v1', [IMAGE_NAME]: `${reg.host}/src/app:v1` });
  });

  it('oci → oci keeps the source repository; a source with no repository gets no containerd name rather than a bare tag', async () => {
    const first = join(work.dir, 'first');
    await regctl([...C, 'copy', `${reg.host}/src/app:v1`, `oci:${first}:v1`]);
    const second = join(work.dir, 'second');
    await regctl([...C, 'copy', `oci:${first}:v1`, `oci:${second}:v9`]);
    assert.deepEqual(entries(second)[0]?.annotations, { [REF_NAME]: 'v9', [IMAGE_NAME]: `${reg.host}/src/app:v9` });
    const loose = join(work.dir, 'loose');
    await regctl([...C, 'copy', `oci:${fixturePath('oci', 'skopeo-style')}:latest`, `oci:${loose}:v1`]);
    assert.deepEqual(entries(loose)[0]?.annotations, { [REF_NAME]: 'v1' });
    assert.equal(ctrName(entries(loose)[0] as Descriptor), undefined);
  });

  it('a layout blob larger than its descriptor is reported as that blob, naming the digest and the file (exit 1), before its upload', async () => {
    const dir = join(work.dir, 'corrupt');
    cpSync(fixturePath('oci', 'skopeo-style'), dir, { recursive: true });
    const layer = 'sha256:4fb8ef556da1964c37e98c7e378822121105c814f273db22a4463875dd96f781';
    const file = join(dir, 'blobs', 'sha256', layer.slice(7));
    appendFileSync(file, 'trailing garbage');
    await reg.clearAccessLog();
    const r = await regctl([...C, 'copy', `oci:${dir}:latest`, `${reg.host}/corrupt/app:1`], 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`blob ${layer} is damaged: the file ${file} is \\d+ bytes, but the manifest says 2071`));
    const log = await reg.accessLog();
    const writes = log.filter((e) => e.method === 'PUT' || e.method === 'PATCH');
    assert.deepEqual(
      writes.filter((e) => e.query.includes(layer.slice(7)) || e.path.includes('/manifests/')),
      [],
      'neither the bad blob nor the manifest was sent',
    );
  });
});
