import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copy } from '../../src/content/copy.js';
import { MemoryStore } from '../../src/content/memory-store.js';
import { filterReferrers, listsAll, mergeReferrers, removeReferrers } from '../../src/content/referrers.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { attestationsOf } from '../../src/oci/attestations.js';
import { EMPTY_DESCRIPTOR, EMPTY_JSON, referrerEntry, referrersTag } from '../../src/oci/referrer-entry.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { checkMediaType, mediaTypeFor } from '../../src/commands/attach-files.js';
import { parseAnnotations } from '../../src/commands/attach.js';
import { buildBuildxIndex } from '../support/buildx-index.js';

const HEX = 'a'.repeat(64);

test('the referrers tag truncates algorithm and encoded part and replaces what a tag cannot hold', () => {
  assert.equal(referrersTag(`sha256:${HEX}`), `sha256-${HEX}`);
  assert.equal(referrersTag(`sha512:${'b'.repeat(128)}`), `sha512-${'b'.repeat(64)}`);
  assert.equal(referrersTag(`${'x'.repeat(40)}+y:${'c'.repeat(70)}`), `${'x'.repeat(32)}-${'c'.repeat(64)}`);
  assert.equal(referrersTag('sha256:ab=cd'), 'sha256-ab-cd');
  assert.throws(() => referrersTag('nodigest'), /invalid digest/);
});

test('the empty descriptor is the 2-byte {} blob', () => {
  assert.equal(sha256Digest(EMPTY_JSON), EMPTY_DESCRIPTOR.digest);
  assert.equal(EMPTY_JSON.length, EMPTY_DESCRIPTOR.size);
  assert.equal(Buffer.from(EMPTY_DESCRIPTOR.data ?? '', 'base64').toString(), '{}');
});

function manifest(doc: Record<string, unknown>, mediaType = 'application/vnd.oci.image.manifest.v1+json'): { desc: Descriptor; bytes: Buffer } {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, ...doc }));
  return { desc: { mediaType, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}

test('a referrers-list entry takes artifactType, else the config media type; annotations; the subject', () => {
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${HEX}`, size: 10 };
  const withType = manifest({ artifactType: 'application/spdx+json', config: EMPTY_DESCRIPTOR, layers: [], subject, annotations: { k: 'v' } });
  const entry = referrerEntry(withType.desc, withType.bytes);
  assert.deepEqual(entry.descriptor, { ...withType.desc, artifactType: 'application/spdx+json', annotations: { k: 'v' } });
  assert.equal(entry.subject?.digest, subject.digest);
  const byConfig = manifest({ config: { ...EMPTY_DESCRIPTOR, mediaType: 'application/vnd.example.config' }, layers: [] });
  assert.equal(referrerEntry(byConfig.desc, byConfig.bytes).descriptor.artifactType, 'application/vnd.example.config');
  assert.equal(referrerEntry(byConfig.desc, byConfig.bytes).subject, undefined);
  const index = manifest({ manifests: [] }, 'application/vnd.oci.image.index.v1+json');
  assert.equal(referrerEntry(index.desc, index.bytes).descriptor.artifactType, undefined, 'an index without artifactType has none');
});

test('merging referrers keeps what is there, adds what is missing once, and says whether anything changed', () => {
  const d = (n: number, type = 't/a'): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
    size: n,
    artifactType: type,
  });
  const first = mergeReferrers(undefined, [d(1), d(2)]);
  assert.equal(first.changed, true);
  const doc = JSON.parse(first.index.bytes.toString()) as { mediaType: string; manifests: Descriptor[] };
  assert.equal(doc.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.equal(first.index.descriptor.digest, sha256Digest(first.index.bytes));
  const again = mergeReferrers({ manifests: doc.manifests, annotations: { keep: 'me' } }, [d(2), d(3, 't/b'), d(3, 't/b')]);
  const merged = JSON.parse(again.index.bytes.toString()) as { manifests: Descriptor[]; annotations: Record<string, string> };
  assert.deepEqual(
    merged.manifests.map((m) => m.size),
    [1, 2, 3],
  );
  assert.deepEqual(merged.annotations, { keep: 'me' });
  assert.equal(mergeReferrers({ manifests: merged.manifests }, [d(1)]).changed, false);
  assert.ok(listsAll({ manifests: merged.manifests }, [d(3), d(1)]));
  assert.ok(!listsAll({ manifests: merged.manifests }, [d(4)]));
  assert.deepEqual(
    filterReferrers(merged.manifests, 't/b').map((m) => m.size),
    [3],
  );
  const removed = removeReferrers({ manifests: merged.manifests, annotations: { keep: 'me' } }, [d(2).digest]);
  assert.equal(removed.changed, true);
  assert.deepEqual(
    (JSON.parse(removed.index.bytes.toString()) as { manifests: Descriptor[] }).manifests.map((m) => m.size),
    [1, 3],
  );
  assert.equal(removeReferrers({ manifests: merged.manifests }, [d(9).digest]).changed, false);
  assert.equal(removeReferrers(undefined, [d(1).digest]).changed, false);
  assert.equal(filterReferrers(merged.manifests, undefined).length, 3);
});

test('attestation entries are kept only for the kept manifests they name', () => {
  const img = (n: number): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(n).repeat(64)}`, size: n });
  const att = (n: number, of: number, type = 'attestation-manifest'): Descriptor => ({
    ...img(n),
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': type, 'vnd.docker.reference.digest': img(of).digest },
  });
  const entries = [img(1), img(2), att(3, 1), att(4, 2), att(5, 1, 'something-else')];
  assert.deepEqual(
    attestationsOf(entries, [img(1)]).map((d) => d.size),
    [3],
  );
  assert.deepEqual(
    attestationsOf(entries, [img(2), img(1)]).map((d) => d.size),
    [3, 4],
  );
  assert.deepEqual(attestationsOf(entries, []), []);
});

test('copy of a buildx-shaped index with one platform keeps that platform’s attestation (and its blobs)', async () => {
  const src = new MemoryStore();
  const built = await buildBuildxIndex(src, 'unit-buildx', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ]);
  await src.tag(built.index, 'v1');
  const dst = new MemoryStore();
  const r = await copy(src, 'v1', dst, 'x', { platforms: { mode: 'subset', platforms: [{ os: 'linux', architecture: 'arm64' }] } });
  const bytes = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    void dst.fetch(r.descriptor).then((s) => s.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))));
  });
  const kept = (JSON.parse(bytes.toString()) as { manifests: Descriptor[] }).manifests.map((m) => m.digest);
  assert.deepEqual(kept, [built.images[1]!.manifest.digest, built.attestations[1]!.digest]);
  assert.ok(await dst.exists(built.attestations[1]!));
  assert.ok(!(await dst.exists(built.attestations[0]!)));
});

test('attach input: media types by file ending, checked types and annotations', () => {
  assert.equal(mediaTypeFor('/x/sbom.spdx.json'), 'application/spdx+json');
  assert.equal(mediaTypeFor('bom.CDX.JSON'), 'application/vnd.cyclonedx+json');
  assert.equal(mediaTypeFor('report.json'), 'application/json');
  assert.equal(mediaTypeFor('a.tar.gz'), 'application/gzip');
  assert.equal(mediaTypeFor('binary'), 'application/octet-stream');
  assert.equal(mediaTypeFor('notes.txt', 'application/vnd.example.note'), 'application/vnd.example.note');
  assert.equal(checkMediaType('application/vnd.cncf.notary.signature', '--artifact-type'), 'application/vnd.cncf.notary.signature');
  for (const bad of ['sbom', 'a/b/c', 'a /b', '/x', '']) assert.throws(() => checkMediaType(bad, '--artifact-type'), /invalid --artifact-type/);
  assert.deepEqual(parseAnnotations(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
  assert.throws(() => parseAnnotations(['=v']), /expected KEY=VALUE/);
  assert.throws(() => parseAnnotations(['novalue']), /expected KEY=VALUE/);
});
