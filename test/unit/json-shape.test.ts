import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { DescriptorShape } from '../../src/oci/descriptor.js';
import { array, count, literal, nullable, object, optional, record, schema, string, type Shape } from '../../src/oci/json-shape.js';
import { parseImageConfig, parseManifest } from '../../src/oci/manifest.js';
import { RegctlError } from '../../src/errors.js';

// The OCI documents are checked by hand (oci/json-shape.ts) instead of zod, to keep zod's load out
// of every start. These tables hold the hand-written checks to zod's rules and words.
const ZodPlatform = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  features: z.array(z.string()).optional(),
});
const ZodDescriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'not a valid digest'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: ZodPlatform.optional(),
  artifactType: z.string().optional(),
  data: z.string().optional(),
});

const digest = `sha256:${'a'.repeat(64)}`;
const good = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 3 };

const DESCRIPTORS: unknown[] = [
  good,
  { ...good, extra: { kept: true } },
  { ...good, size: -1 },
  { ...good, size: 1.5 },
  { ...good, size: '3' },
  { ...good, digest: 'sha256:ABC' },
  { ...good, digest: 5 },
  { mediaType: 'x', size: 1 },
  { ...good, annotations: { a: 1 } },
  { ...good, annotations: [] },
  { ...good, annotations: null },
  { ...good, urls: ['u', 2] },
  { ...good, platform: { os: 'linux' } },
  { ...good, platform: { os: 'linux', architecture: 'arm64', features: [1] } },
  { ...good, platform: { os: 'linux', architecture: 'arm64', 'os.features': 'x' } },
  [],
  null,
  'descriptor',
];

function first(shape: Shape, value: unknown): { path: PropertyKey[]; message: string } | undefined {
  const issue = shape(value);
  return issue && { path: [...issue.path], message: issue.message };
}

function zodFirst(s: z.ZodType, value: unknown): { path: PropertyKey[]; message: string } | undefined {
  const r = s.safeParse(value);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  return { path: [...issue.path], message: issue.message };
}

test('descriptor checks find what zod found, at the same path, in the same words', () => {
  for (const value of DESCRIPTORS) assert.deepEqual(first(DescriptorShape, value), zodFirst(ZodDescriptor, value), JSON.stringify(value));
});

test('the building blocks match zod: literal, nullable, record, array, optional', () => {
  const cases: [Shape, z.ZodType, unknown[]][] = [
    [literal(2), z.literal(2), [2, 1, '2', null]],
    [nullable(array(count)), z.array(z.number().int().nonnegative()).nullable(), [null, [], [1, 2], [1, -2], {}, undefined]],
    [record(string()), z.record(z.string(), z.string()), [{}, { a: 'b' }, { a: 1 }, [], 'x']],
    [
      object({ a: optional(string()), b: string() }),
      z.looseObject({ a: z.string().optional(), b: z.string() }),
      [{ b: '' }, { a: 1, b: '' }, { a: 'x' }, { a: null, b: 'y' }],
    ],
  ];
  for (const [shape, zod, values] of cases) {
    for (const value of values) assert.deepEqual(first(shape, value), zodFirst(zod, value), JSON.stringify(value));
  }
});

test('schema() answers safeParse with the value itself, unknown fields kept', () => {
  const s = schema<{ name: string }>(object({ name: string() }));
  const doc = { name: 'x', other: [1] };
  const ok = s.safeParse(doc);
  assert.ok(ok.success && ok.data === doc);
  const bad = s.safeParse({ name: 1 });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues, [{ path: ['name'], message: 'Invalid input: expected string, received number' }]);
});

test('parseManifest refuses an invalid manifest or index naming the field', () => {
  const manifest = (doc: unknown): Uint8Array => Buffer.from(JSON.stringify(doc));
  const ok = parseManifest(manifest({ schemaVersion: 2, config: good, layers: [good], foo: 1 }), 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(ok.kind, 'manifest');
  assert.equal((ok.kind === 'manifest' && ok.manifest['foo']) as unknown, 1, 'unknown fields are kept');
  const refused = (doc: unknown, type: string, message: RegExp): void =>
    assert.throws(
      () => parseManifest(manifest(doc), type),
      (err: unknown) => err instanceof RegctlError && err.kind === 'failed' && message.test(err.message),
    );
  refused(
    { schemaVersion: 2, config: good, layers: [{ ...good, size: -1 }] },
    'application/vnd.oci.image.manifest.v1+json',
    /not a valid image manifest: layers\.0\.size: Too small/,
  );
  refused({ schemaVersion: 3, config: good, layers: [] }, 'application/vnd.oci.image.manifest.v1+json', /schemaVersion: Invalid input: expected 2/);
  refused(
    { schemaVersion: 2, manifests: [{ ...good, digest: 'sha256:x' }] },
    'application/vnd.oci.image.index.v1+json',
    /not a valid image index: manifests\.0\.digest: not a valid digest/,
  );
  refused({ schemaVersion: 2, manifests: [good], subject: { mediaType: 'x' } }, 'application/vnd.oci.image.index.v1+json', /subject\.digest/);
  assert.deepEqual(parseImageConfig(Buffer.from('{"os":"linux","config":null}')), { os: 'linux', config: null });
  assert.throws(
    () => parseImageConfig(Buffer.from('{"rootfs":{"type":"layers","diff_ids":[1]}}')),
    /rootfs\.diff_ids\.0: Invalid input: expected string, received number/,
  );
});
