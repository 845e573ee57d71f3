import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { referrersTag } from '../../src/oci/referrer-entry.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { tempDir } from '../support/cli.js';
import type { RandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import { credEnv, regctl, seedImage, skopeoDigest, skopeoRaw } from './push-support.js';

const SBOM = 'application/spdx+json';
const SIG = 'application/vnd.example.signature';

interface Listed {
  via: string;
  subject: { digest: string };
  referrers: Descriptor[];
}

describe('referrers and attach against the real registry (no referrers API: the fallback tag)', { timeout: 180_000 }, () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let image: RandomImage;
  const work = tempDir('regctl-referrers-');
  const cache = join(work.dir, 'cache');
  const C = ['--cache-dir', cache, '--progress', 'plain'];
  let sbom: string;
  let sig: string;
  const file = (name: string, text: string): string => {
    const path = join(work.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const list = async (ref: string, extra: string[] = []): Promise<Listed> =>
    JSON.parse((await regctl([...C, 'referrers', '--json', ...extra, ref])).stdout) as Listed;

  before(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'open' })]);
    image = await seedImage(a, 'src/app:v1', { seed: 'referrers-image', layers: 1, layerSize: 4096 });
  });
  after(async () => {
    await Promise.all([a, b].map((r) => r?.stop()));
    work.remove();
  });

  it('attach pushes an artifact manifest with subject and adds it to the sha256-<hex> fallback index; referrers lists it', async () => {
    const path = file('sbom.spdx.json', '{"spdxVersion":"SPDX-2.3","name":"app"}');
    const r = await regctl([...C, 'attach', '--artifact-type', SBOM, '--annotation', 'org.example.tool=test', `${a.host}/src/app:v1`, path]);
    sbom = r.stdout.trim();
    assert.match(sbom, /^sha256:[a-f0-9]{64}$/);
    assert.match(r.stderr, new RegExp(`fallback tag ${referrersTag(image.manifest.digest)} updated`));
    const manifest = (await skopeoRaw(a, `src/app@${sbom}`)) as unknown as {
      artifactType: string;
      config: Descriptor;
      layers: Descriptor[];
      subject: Descriptor;
      annotations: Record<string, string>;
    };
    assert.equal(manifest.artifactType, SBOM);
    assert.deepEqual(
      [manifest.config.mediaType, manifest.config.digest, manifest.config.size],
      ['application/vnd.oci.empty.v1+json', 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', 2],
    );
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.annotations?.['org.opencontainers.image.title']]),
      [[SBOM, 'sbom.spdx.json']],
    );
    assert.equal(manifest.subject.digest, image.manifest.digest);
    assert.equal(manifest.annotations['org.example.tool'], 'test');
    assert.match(manifest.annotations['org.opencontainers.image.created'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const fallback = await skopeoRaw(a, `src/app:${referrersTag(image.manifest.digest)}`);
    assert.deepEqual(
      fallback.manifests?.map((m) => m.digest),
      [sbom],
    );
    const listed = await list(`${a.host}/src/app:v1`);
    assert.equal(listed.via, 'tag');
    assert.equal(listed.subject.digest, image.manifest.digest);
    assert.deepEqual(
      listed.referrers.map((d) => [d.digest, d.artifactType, d.annotations?.['org.example.tool']]),
      [[sbom, SBOM, 'test']],
    );
    const table = await regctl([...C, 'referrers', `${a.host}/src/app:v1`]);
    assert.match(table.stdout, new RegExp(`^DIGEST\\s+ARTIFACT TYPE\\s+CREATED\\s+SIZE\\n${sbom}\\s+${SBOM.replace('+', '\\+')}\\s+\\d{4}-`));
  });

  it('a referrer of a referrer: attach to the SBOM by digest', async () => {
    sig = (await regctl([...C, 'attach', '-q', '--artifact-type', SIG, `${a.host}/src/app@${sbom}`, file('sbom.sig', 'signature bytes')])).stdout.trim();
    assert.deepEqual(
      (await list(`${a.host}/src/app@${sbom}`)).referrers.map((d) => d.digest),
      [sig],
    );
    assert.deepEqual((await list(`${a.host}/src/app:v1`, ['--artifact-type', SIG])).referrers, [], 'the filter applies to the fallback list too');
  });

  it('copy --referrers to a second registry: its own discovery finds them, the referrer of the referrer too', async () => {
    const r = await regctl([...C, 'copy', '--json', '--referrers', `${a.host}/src/app:v1`, `${b.host}/mirror/app:v1`]);
    const out = JSON.parse(r.stdout) as { referrers: { digest: string; subject: string; indexedBy: string }[] };
    assert.deepEqual(
      out.referrers.map((x) => [x.digest, x.subject, x.indexedBy]),
      [
        [sbom, image.manifest.digest, 'tag'],
        [sig, sbom, 'tag'],
      ],
    );
    assert.deepEqual(
      (await list(`${b.host}/mirror/app:v1`)).referrers.map((d) => d.digest),
      [sbom],
    );
    assert.deepEqual(
      (await list(`${b.host}/mirror/app@${sbom}`)).referrers.map((d) => d.digest),
      [sig],
    );
    assert.equal((await regctl([...C, 'digest', `${b.host}/mirror/app@${sig}`])).stdout.trim(), sig);
    // Again: nothing new, the fallback indexes are merged, not duplicated.
    await regctl([...C, 'copy', '--referrers', `${a.host}/src/app:v1`, `${b.host}/mirror/app:v1`]);
    assert.equal((await list(`${b.host}/mirror/app:v1`)).referrers.length, 1);
  });

  it('copy --referrers merges with the referrers already at the destination', async () => {
    const local = (await regctl([...C, 'attach', '-q', '--artifact-type', 'application/vnd.example.local', `${b.host}/mirror/app:v1`])).stdout.trim();
    await regctl([...C, 'attach', '-q', '--artifact-type', 'application/vnd.example.later', `${a.host}/src/app:v1`]);
    await regctl([...C, 'copy', '--referrers', `${a.host}/src/app:v1`, `${b.host}/mirror/app:v1`]);
    const types = (await list(`${b.host}/mirror/app:v1`)).referrers.map((d) => d.artifactType);
    assert.deepEqual(types, [SBOM, 'application/vnd.example.local', 'application/vnd.example.later']);
    assert.ok(local);
  });

  it('two concurrent attaches to one subject both end up in the fallback index', async () => {
    await seedImage(a, 'race/app:v1', { seed: 'referrers-race', layers: 1, layerSize: 1024 });
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(
        ['one', 'two'].map((n) =>
          regctl([
            ...C,
            'attach',
            '-q',
            '--artifact-type',
            `application/vnd.example.${n}`,
            `${a.host}/race/app:v1`,
            file(`${n}-${round}.txt`, `${n} ${round}`),
          ]),
        ),
      );
      const digests = runs.map((r) => r.stdout.trim());
      const listed = (await list(`${a.host}/race/app:v1`)).referrers.map((d) => d.digest);
      for (const d of digests) assert.ok(listed.includes(d), `round ${round}: ${d} missing from ${listed.join(', ')}`);
      assert.equal(listed.length, 2 * (round + 1));
    }
  });

  it('pull --referrers stores them in the cache under REPO:sha256-<hex>; referrers --local lists them; prune keeps them', async () => {
    const r = await regctl([...C, 'pull', '--referrers', `${a.host}/src/app:v1`]);
    assert.match(r.stderr, /^3 referrer\(s\) copied$/m);
    const local = await list(`${a.host}/src/app:v1`, ['--local']);
    assert.equal(local.via, 'tag');
    assert.deepEqual(
      local.referrers.map((d) => d.artifactType),
      [SBOM, 'application/vnd.example.later'],
    );
    await regctl([...C, 'prune']);
    assert.deepEqual(
      (await list(`${a.host}/src/app@${sbom}`, ['--local'])).referrers.map((d) => d.digest),
      [sig],
    );
    const store = await LayoutStore.open(cache, { create: false });
    assert.equal((await store.resolve(sig)).digest, sig, 'the signature survived prune');
    assert.ok(
      (await store.list()).some((d) => d.annotations?.['org.opencontainers.image.ref.name'] === `${a.host}/src/app:${referrersTag(image.manifest.digest)}`),
    );
  });

  it('copy --referrers to oci:DIR writes the fallback tag there; the layout stays valid', async () => {
    const dir = join(work.dir, 'layout');
    await regctl([...C, 'copy', '--referrers', `${a.host}/src/app:v1`, `oci:${dir}:v1`]);
    assert.deepEqual((await list(`oci:${dir}:v1`)).referrers.map((d) => d.digest).slice(0, 1), [sbom]);
    assert.deepEqual((await umociLs(dir)).sort(), ['v1', referrersTag(image.manifest.digest), referrersTag(sbom)].sort());
    // And back out to a registry: from the layout's fallback tags.
    await regctl([...C, 'copy', '--referrers', `oci:${dir}:v1`, `${b.host}/fromoci/app:v1`]);
    assert.deepEqual(
      (await list(`${b.host}/fromoci/app@${sbom}`)).referrers.map((d) => d.digest),
      [sig],
    );
  });

  it('--digest-tags copies cosign legacy tags (sha256-<hex>.sig, .att, .sbom)', async () => {
    const cosign = `${referrersTag(image.manifest.digest)}.sig`;
    const signature = await seedImage(a, `src/app:${cosign}`, { seed: 'cosign-signature', layers: 1, layerSize: 64 });
    await regctl([...C, 'copy', '--digest-tags', `${a.host}/src/app:v1`, `${b.host}/cosign/app:v1`]);
    assert.equal(await skopeoDigest(b, `cosign/app:${cosign}`), signature.manifest.digest);
    assert.deepEqual((await list(`${b.host}/cosign/app:v1`)).referrers, [], 'without --referrers no referrer is copied');
  });

  it('delete of an attached artifact by digest takes it out of the fallback index; the other referrers stay', async () => {
    await seedImage(a, 'del/app:v1', { seed: 'referrers-delete', layers: 1, layerSize: 256 });
    const keep = (await regctl([...C, 'attach', '-q', '--artifact-type', 'application/vnd.example.keep', `${a.host}/del/app:v1`])).stdout.trim();
    const drop = (await regctl([...C, 'attach', '-q', '--artifact-type', 'application/vnd.example.drop', `${a.host}/del/app:v1`])).stdout.trim();
    assert.deepEqual(
      (await list(`${a.host}/del/app:v1`)).referrers.map((d) => d.digest),
      [keep, drop],
    );
    const r = await regctl([...C, 'delete', `${a.host}/del/app@${drop}`]);
    assert.match(r.stdout, /^Deleted: /);
    assert.deepEqual(
      (await list(`${a.host}/del/app:v1`)).referrers.map((d) => d.digest),
      [keep],
    );
    await regctl([...C, 'delete', `${a.host}/del/app@${drop}`], 3);
  });

  it('works on a token-auth registry with credentials (pull,push tokens for the fallback tag); without them exits 4', async () => {
    const tok = await startRegistry({ mode: 'token' });
    try {
      const img = await seedImage(tok, 'alice/app:v1', { seed: 'referrers-token', layers: 1, layerSize: 256 });
      const path = file('tok.json', '{}');
      await regctl([...C, 'attach', '--artifact-type', SBOM, `${tok.host}/alice/app:v1`, path], 4);
      const digest = (await regctl([...C, 'attach', '-q', '--artifact-type', SBOM, `${tok.host}/alice/app:v1`, path], 0, credEnv(tok))).stdout.trim();
      const listed = JSON.parse((await regctl([...C, 'referrers', '--json', `${tok.host}/alice/app:v1`], 0, credEnv(tok))).stdout) as Listed;
      assert.deepEqual([listed.subject.digest, listed.referrers.map((d) => d.digest)], [img.manifest.digest, [digest]]);
    } finally {
      await tok.stop();
    }
  });

  it('refuses bad input with exit 2, a missing subject with exit 3', async () => {
    const path = file('x.txt', 'x');
    assert.match(
      (await regctl([...C, 'attach', '--artifact-type', 'not a type', `${a.host}/src/app:v1`, path], 2)).stderr,
      /invalid --artifact-type "not a type"/,
    );
    assert.match(
      (await regctl([...C, 'attach', '--artifact-type', SBOM, `${a.host}/src/app:v1`, join(work.dir, 'nope.json')], 2)).stderr,
      /cannot read .*nope\.json: no such file/,
    );
    assert.match(
      (await regctl([...C, 'attach', '--artifact-type', SBOM, '--annotation', 'novalue', `${a.host}/src/app:v1`, path], 2)).stderr,
      /invalid annotation "novalue"/,
    );
    await regctl([...C, 'attach', `${a.host}/src/app:v1`, path], 2);
    assert.match((await regctl([...C, 'attach', '--artifact-type', SBOM, `${a.host}/src/missing:v1`, path], 3)).stderr, /src\/missing/);
    await regctl([...C, 'referrers', `${a.host}/src/missing:v1`], 3);
    await regctl([...C, 'referrers', '--artifact-type', 'x', `${a.host}/src/app:v1`], 2);
  });
});
