import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { AuthClient } from '../../src/auth/client.js';
import { copy } from '../../src/content/copy.js';
import { MemoryStore } from '../../src/content/memory-store.js';
import type { Target } from '../../src/content/types.js';
import { RegctlError } from '../../src/errors.js';
import { createTransport } from '../../src/http/transport.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/registry/client.js';
import { getManifest } from '../../src/registry/manifests.js';
import { startScriptedServer } from '../support/scripted-server.js';

// SPEC §6: manifests are limited to 4 MiB, wherever they come from.

const LIMIT = 4 * 1024 * 1024;

/** An empty OCI index padded with an annotation to exactly `size` bytes. */
function indexOfSize(size: number): Buffer {
  const empty = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [], annotations: { pad: '' } });
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [], annotations: { pad: 'x'.repeat(size - empty.length) } }));
}

function failsWith(message: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.exitCode, 1);
    assert.equal(err.message, message);
    return true;
  };
}

test('the limit is 4 MiB: parseManifest takes exactly that and refuses one byte more', () => {
  assert.equal(MAX_MANIFEST_BYTES, LIMIT);
  assert.equal(indexOfSize(LIMIT).length, LIMIT);
  assert.equal(parseManifest(indexOfSize(LIMIT)).kind, 'index');
  assert.throws(
    () => parseManifest(indexOfSize(LIMIT + 1), MediaType.ociIndex, 'manifest big'),
    failsWith(`manifest big is ${LIMIT + 1} bytes, over the ${LIMIT}-byte limit`),
  );
});

test('copy refuses a manifest whose descriptor is over the limit before reading it', async () => {
  const fetched: string[] = [];
  const big: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest('big'), size: LIMIT + 1 };
  const src: Target = Object.assign(new MemoryStore(), {
    resolve: async () => big,
    fetch: async (d: Descriptor) => {
      fetched.push(d.digest);
      throw new Error('must not be read');
    },
  });
  await assert.rejects(copy(src, 'big', new MemoryStore(), 'big'), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.exitCode === 1, String(err));
    assert.ok(err.message.startsWith(`manifest ${big.digest} `) && err.message.endsWith(` is ${LIMIT + 1} bytes, over the ${LIMIT}-byte limit`), err.message);
    return true;
  });
  assert.deepEqual(fetched, []);
});

async function registry(t: TestContext, body: Buffer, chunked: boolean): Promise<RegistryClient> {
  const srv = await startScriptedServer((_q, res) => {
    res.writeHead(200, { 'content-type': MediaType.ociIndex, ...(chunked ? {} : { 'content-length': String(body.length) }) });
    // Chunked: the size is known only by reading, which must stop at the limit.
    if (chunked) for (let i = 0; i < body.length; i += 1 << 20) res.write(body.subarray(i, i + (1 << 20)));
    res.end(chunked ? undefined : body);
  });
  const transport = createTransport({ userAgent: 'regctl/test', env: {} });
  t.after(async () => {
    await transport.close();
    await srv.close();
  });
  return new RegistryClient(new AuthClient({ transport, credentials: async () => undefined }), srv.host, srv.host);
}

test('from a registry: exactly 4 MiB is read; more is refused from Content-Length, or while reading a chunked body', async (t) => {
  const exact = indexOfSize(LIMIT);
  const got = await getManifest(await registry(t, exact, false), 'a', 'v1', 'manifest a:v1');
  assert.deepEqual(got.descriptor, { mediaType: MediaType.ociIndex, digest: sha256Digest(exact), size: LIMIT });

  const over = indexOfSize(LIMIT + 1);
  await assert.rejects(
    getManifest(await registry(t, over, false), 'a', 'v1', 'manifest a:v1'),
    failsWith(`manifest a:v1 is ${LIMIT + 1} bytes, over the ${LIMIT}-byte manifest limit`),
  );
  await assert.rejects(
    getManifest(await registry(t, over, true), 'a', 'v1', 'manifest a:v1'),
    failsWith(`manifest a:v1 is larger than the ${LIMIT}-byte limit`),
  );
});
