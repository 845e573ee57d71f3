import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryStore } from '../../src/content/memory-store.js';
import { copyReferrers, MAX_REFERRER_DEPTH, type ReferrerSink } from '../../src/content/referrers-copy.js';
import type { ReferrerIndexer, ReferrerLister } from '../../src/content/referrers.js';
import { LayoutReferrers } from '../../src/layout/layout-referrers.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { EMPTY_DESCRIPTOR, EMPTY_JSON, referrerEntry, referrersTag } from '../../src/oci/referrer-entry.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Referrers kept in a map, as a registry's API would list them. */
class MapReferrers implements ReferrerLister, ReferrerIndexer {
  readonly lists = new Map<string, Descriptor[]>();
  async referrers(subject: Descriptor): Promise<{ descriptors: Descriptor[]; via: 'api' }> {
    return { descriptors: this.lists.get(subject.digest) ?? [], via: 'api' };
  }
  async indexReferrers(subject: Descriptor, referrers: Descriptor[]): Promise<'api'> {
    const list = this.lists.get(subject.digest) ?? [];
    for (const r of referrers) if (!list.some((d) => d.digest === r.digest)) list.push(r);
    this.lists.set(subject.digest, list);
    return 'api';
  }
}

/** Stores an artifact manifest referring to `subject` (or to nothing) in `store`. */
async function artifact(store: MemoryStore | LayoutStore, type: string, subject: Descriptor | undefined, note: string): Promise<Descriptor> {
  if (!(await store.exists(EMPTY_DESCRIPTOR))) await store.pushBytes(EMPTY_DESCRIPTOR, EMPTY_JSON);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      artifactType: type,
      config: EMPTY_DESCRIPTOR,
      layers: [EMPTY_DESCRIPTOR],
      ...(subject ? { subject } : {}),
      annotations: { note },
    }),
  );
  const desc = { mediaType: MANIFEST, digest: sha256Digest(bytes), size: bytes.length };
  await store.pushBytes(desc, bytes);
  return desc;
}

function sinkOf(dst: MemoryStore, indexer: ReferrerIndexer): ReferrerSink {
  return { target: dst, indexer, tag: (desc, tag) => dst.tag(desc, tag) };
}

test('copyReferrers follows a chain (a signature of an SBOM), indexes each level at the destination, and copies cosign tags', async () => {
  const src = new MemoryStore();
  const image = await artifact(src, 'application/vnd.example.image', undefined, 'image');
  const sbom = await artifact(src, 'application/spdx+json', image, 'sbom');
  const sig = await artifact(src, 'application/vnd.example.sig', sbom, 'sig');
  const cosign = await artifact(src, 'application/vnd.dev.cosign.simplesigning.v1+json', undefined, 'cosign');
  await src.tag(cosign, `${referrersTag(image.digest)}.sig`);
  const srcRefs = new MapReferrers();
  srcRefs.lists.set(image.digest, [{ ...sbom, artifactType: 'application/spdx+json' }]);
  srcRefs.lists.set(sbom.digest, [{ ...sig, artifactType: 'application/vnd.example.sig' }]);
  const dst = new MemoryStore();
  const dstRefs = new MapReferrers();
  const copied = await copyReferrers({ target: src, lister: srcRefs }, sinkOf(dst, dstRefs), [image], { digestTags: true });
  assert.deepEqual(
    copied.map((c) => [c.digest, c.subject, c.indexedBy]),
    [
      [sbom.digest, image.digest, 'api'],
      [cosign.digest, image.digest, 'digest-tag'],
      [sig.digest, sbom.digest, 'api'],
    ],
  );
  assert.ok((await dst.exists(sig)) && (await dst.exists(sbom)) && (await dst.exists(EMPTY_DESCRIPTOR)));
  assert.deepEqual(
    dstRefs.lists.get(image.digest)?.map((d) => [d.digest, d.artifactType, d.annotations?.['note']]),
    [[sbom.digest, 'application/spdx+json', 'sbom']],
  );
  assert.equal((await dst.resolve(`${referrersTag(image.digest)}.sig`)).digest, cosign.digest);
});

test('copyReferrers does not loop on a hostile list that refers back, skips what it cannot copy, and refuses endless chains', async () => {
  const src = new MemoryStore();
  const image = await artifact(src, 'application/vnd.example.image', undefined, 'image');
  const a = await artifact(src, 't/a', image, 'a');
  const refs = new MapReferrers();
  const gone = { mediaType: MANIFEST, digest: sha256Digest('deleted'), size: 7 };
  refs.lists.set(image.digest, [a, { mediaType: 'application/vnd.oci.artifact.manifest.v1+json', digest: sha256Digest('old'), size: 3 }, image, gone]);
  refs.lists.set(a.digest, [image, a]);
  const warnings: string[] = [];
  const copied = await copyReferrers({ target: src, lister: refs }, sinkOf(new MemoryStore(), new MapReferrers()), [image], { warn: (l) => warnings.push(l) });
  assert.deepEqual(
    copied.map((c) => c.digest),
    [a.digest, image.digest],
  );
  assert.match(warnings.join('\n'), /is a application\/vnd\.oci\.artifact\.manifest\.v1\+json, which regctl cannot copy; skipped/);
  assert.match(warnings.join('\n'), new RegExp(`referrer ${gone.digest} of ${image.digest} is listed but missing at the source; skipped`));

  const chain = new MapReferrers();
  let subject = image;
  for (let i = 0; i <= MAX_REFERRER_DEPTH; i++) {
    const next = await artifact(src, 't/chain', subject, `link ${i}`);
    chain.lists.set(subject.digest, [next]);
    subject = next;
  }
  await assert.rejects(
    copyReferrers({ target: src, lister: chain }, sinkOf(new MemoryStore(), new MapReferrers()), [image]),
    new RegExp(`nest more than ${MAX_REFERRER_DEPTH} levels deep`),
  );
});

test('LayoutReferrers: concurrent additions all land in the fallback index; untagged entries with a subject are listed too (oras layouts)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-layout-referrers-'));
  try {
    const store = await LayoutStore.open(dir, { create: true });
    const image = await artifact(store, 'application/vnd.example.image', undefined, 'image');
    await store.tag(image, 'v1');
    const refs = new LayoutReferrers(store);
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => artifact(store, `t/${i}`, image, String(i))));
    // Six writers at once, each through its own store handle, as separate processes would.
    await Promise.all(
      made.map(async (d) =>
        new LayoutReferrers(await LayoutStore.open(dir, { create: false })).indexReferrers(image, [
          referrerEntry(d, Buffer.from(await readAll(store, d))).descriptor,
        ]),
      ),
    );
    const listed = await refs.referrers(image);
    assert.equal(listed.via, 'tag');
    assert.deepEqual(listed.descriptors.map((d) => d.digest).sort(), made.map((d) => d.digest).sort());
    assert.deepEqual(
      (await refs.referrers(image, 't/3')).descriptors.map((d) => d.digest),
      [made[3]!.digest],
    );
    const oras = await artifact(store, 't/oras', image, 'oras');
    await store.addEntry(oras);
    assert.ok((await refs.referrers(image)).descriptors.some((d) => d.digest === oras.digest && d.artifactType === 't/oras'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function readAll(store: LayoutStore, desc: Descriptor): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.fetch(desc)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
