import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import type { Target } from '../../src/content/types.js';
import { readStream } from '../../src/content/read-all.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { buildRandomImage } from './random-image.js';

/** A target under test, with an optional clean-up run after each test. */
export type ContractTarget = Target & { cleanup?: () => Promise<void> };

function blob(text: string): { desc: Descriptor; bytes: Buffer } {
  const bytes = Buffer.from(text);
  return { desc: { mediaType: MediaType.ociLayer, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}

function body(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}

async function fetchBytes(target: Target, desc: Descriptor): Promise<Buffer> {
  return readStream(await target.fetch(desc), 64 * 1024 * 1024);
}

async function rejectsWithKind(promise: Promise<unknown>, kind?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RegctlError, `expected a RegctlError, got ${String(err)}`);
    if (kind) assert.equal(err.kind, kind, `expected kind ${kind}, got ${err.kind}: ${err.message}`);
    return true;
  });
}

/**
 * Registers the Target contract tests (node:test) for one backend. `makeTarget` gives a fresh,
 * empty target for each test. References used are plain tags ("v1", "v2"), valid for every backend.
 */
export function runTargetContract(name: string, makeTarget: () => Promise<ContractTarget>): void {
  const withTarget = (fn: (t: ContractTarget) => Promise<void>) => async () => {
    const target = await makeTarget();
    try {
      await fn(target);
    } finally {
      await target.cleanup?.();
    }
  };

  describe(`Target contract: ${name}`, () => {
    test(
      'push then fetch returns the same bytes',
      withTarget(async (t) => {
        const { desc, bytes } = blob(`roundtrip ${name} ${Math.random()}`);
        await t.push(desc, body(bytes));
        assert.deepEqual(await fetchBytes(t, desc), bytes);
      }),
    );

    test(
      'exists is false before push and true after',
      withTarget(async (t) => {
        const { desc, bytes } = blob(`exists ${name} ${Math.random()}`);
        assert.equal(await t.exists(desc), false);
        await t.push(desc, body(bytes));
        assert.equal(await t.exists(desc), true);
      }),
    );

    test(
      'push with the wrong digest rejects and keeps nothing',
      withTarget(async (t) => {
        const { desc } = blob(`wanted ${Math.random()}`);
        const wrong = Buffer.from(`other bytes of the same length ${Math.random()}`.slice(0, desc.size).padEnd(desc.size, 'x'));
        await rejectsWithKind(t.push(desc, body(wrong)));
        assert.equal(await t.exists(desc), false);
        await rejectsWithKind(t.fetch(desc), 'not-found');
      }),
    );

    test(
      'push with the wrong size rejects and keeps nothing',
      withTarget(async (t) => {
        const { desc, bytes } = blob(`sized ${Math.random()}`);
        const longer = { ...desc, size: desc.size + 1 };
        await rejectsWithKind(t.push(longer, body(bytes)));
        assert.equal(await t.exists(longer), false);
        const shorter = { ...desc, size: desc.size - 1 };
        await rejectsWithKind(t.push(shorter, body(bytes)));
        assert.equal(await t.exists(shorter), false);
        assert.equal(await t.exists(desc), false);
      }),
    );

    test(
      'pushing the same content twice succeeds',
      withTarget(async (t) => {
        const { desc, bytes } = blob(`twice ${Math.random()}`);
        await t.push(desc, body(bytes));
        await t.push(desc, body(bytes));
        assert.deepEqual(await fetchBytes(t, desc), bytes);
      }),
    );

    test(
      'fetch of unknown content is not-found',
      withTarget(async (t) => {
        const { desc } = blob(`never pushed ${Math.random()}`);
        await rejectsWithKind(t.fetch(desc), 'not-found');
      }),
    );

    test(
      'resolve after tag gives the manifest; resolve by digest too',
      withTarget(async (t) => {
        const img = await buildRandomImage(t, { seed: `contract-${Math.random()}`, layers: 1, layerSize: 2048 });
        await t.tag(img.manifest, 'v1');
        const byTag = await t.resolve('v1');
        assert.equal(byTag.digest, img.manifest.digest);
        assert.equal(byTag.size, img.manifest.size);
        assert.equal(byTag.mediaType, img.manifest.mediaType);
        const byDigest = await t.resolve(img.manifest.digest);
        assert.equal(byDigest.digest, img.manifest.digest);
        assert.equal(byDigest.mediaType, img.manifest.mediaType);
        assert.deepEqual(await fetchBytes(t, byTag), img.manifestBytes);
      }),
    );

    test(
      'tagging again moves the tag',
      withTarget(async (t) => {
        const a = await buildRandomImage(t, { seed: `move-a-${Math.random()}`, layers: 1, layerSize: 100 });
        const b = await buildRandomImage(t, { seed: `move-b-${Math.random()}`, layers: 1, layerSize: 100 });
        await t.tag(a.manifest, 'v1');
        await t.tag(a.manifest, 'v2');
        await t.tag(b.manifest, 'v1');
        assert.equal((await t.resolve('v1')).digest, b.manifest.digest);
        assert.equal((await t.resolve('v2')).digest, a.manifest.digest);
      }),
    );

    test(
      'resolve of an unknown tag or digest is not-found',
      withTarget(async (t) => {
        await rejectsWithKind(t.resolve('no-such-tag'), 'not-found');
        await rejectsWithKind(t.resolve(sha256Digest(`nothing ${Math.random()}`)), 'not-found');
      }),
    );

    test(
      'tag of a manifest that is not stored is not-found',
      withTarget(async (t) => {
        const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: blob('c').desc, layers: [], n: Math.random() }));
        const desc: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length };
        await rejectsWithKind(t.tag(desc, 'v1'), 'not-found');
        await rejectsWithKind(t.resolve('v1'), 'not-found');
      }),
    );
  });
}
