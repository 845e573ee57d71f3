import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { parseReference } from '../../src/ref/reference.js';
import { Session } from '../../src/session.js';
import { isolatedEnv, runCli, tempDir } from '../support/cli.js';
import { buildRandomImage } from '../support/random-image.js';
import { sendJson, startScriptedServer, type RecordedRequest, type ScriptedServer } from '../support/scripted-server.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A registry speaking just enough of the upload protocol, with switches for what real registries vary in. */
interface FakeRegistry {
  server: ScriptedServer;
  /** Stored blobs and manifests by digest. */
  stored: Map<string, Buffer>;
  /** Answer a monolithic PUT (one with a body) with 413, as a proxy with a body limit does. */
  refuseMonolithic: boolean;
  /** Sent as OCI-Chunk-Min-Length on POST; 0 for none. */
  minChunk: number;
}

async function startFake(): Promise<FakeRegistry> {
  const uploads = new Map<string, Buffer>();
  let next = 0;
  const fake: FakeRegistry = { server: undefined as unknown as ScriptedServer, stored: new Map(), refuseMonolithic: false, minChunk: 0 };
  fake.server = await startScriptedServer((_req, res, rec) => {
    const url = new URL(rec.url, 'http://x');
    const path = url.pathname;
    if (path === '/v2/') return sendJson(res, 200, {});
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
    if (rec.method === 'POST' && upload && !upload[2]) {
      const id = `u${next++}`;
      uploads.set(id, Buffer.alloc(0));
      // Relative on POST, absolute on PATCH: both forms must be followed.
      res.writeHead(202, {
        location: `/v2/${upload[1]}/blobs/uploads/${id}?state=0`,
        'content-length': '0',
        ...(fake.minChunk ? { 'oci-chunk-min-length': String(fake.minChunk) } : {}),
      });
      return void res.end();
    }
    if (upload?.[2]) {
      const id = upload[2];
      const have = uploads.get(id);
      if (!have) return sendJson(res, 404, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }] });
      if (rec.method === 'DELETE') return void res.writeHead(204).end();
      if (rec.method === 'PATCH') {
        const range = /^(\d+)-(\d+)$/.exec(String(rec.headers['content-range'] ?? ''));
        if (!range || Number(range[1]) !== have.length || Number(range[2]) !== have.length + rec.body.length - 1)
          return sendJson(res, 416, { errors: [{ code: 'BLOB_UPLOAD_INVALID' }] });
        const now = Buffer.concat([have, rec.body]);
        uploads.set(id, now);
        res.writeHead(202, {
          location: `${fake.server.url}/v2/${upload[1]}/blobs/uploads/${id}?state=${now.length}`,
          range: `0-${now.length - 1}`,
          'content-length': '0',
        });
        return void res.end();
      }
      if (rec.method === 'PUT') {
        if (fake.refuseMonolithic && rec.body.length > 0) return sendJson(res, 413, { errors: [{ code: 'SIZE_INVALID', message: 'request body too large' }] });
        const all = Buffer.concat([have, rec.body]);
        const digest = url.searchParams.get('digest') ?? '';
        if (sha256(all) !== digest) return sendJson(res, 400, { errors: [{ code: 'DIGEST_INVALID' }] });
        fake.stored.set(digest, all);
        uploads.delete(id);
        res.writeHead(201, { location: `/v2/${upload[1]}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
        return void res.end();
      }
    }
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (manifest && rec.method === 'PUT') {
      const digest = sha256(rec.body);
      fake.stored.set(digest, rec.body);
      fake.stored.set(`${manifest[1]}:${manifest[2]}`, rec.body);
      res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' });
      return void res.end();
    }
    if (rec.method === 'HEAD') return void res.writeHead(404, { 'content-length': '0' }).end();
    return sendJson(res, 405, { errors: [{ code: 'UNSUPPORTED' }] });
  });
  return fake;
}

function blob(size: number, seed: number): { desc: Descriptor; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return { desc: { mediaType: 'application/octet-stream', digest: sha256(bytes), size }, bytes };
}

/** Streams in 64 KiB pieces, as a file or socket would. */
function streamOf(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 65536) pieces.push(bytes.subarray(i, i + 65536));
  return Readable.from(pieces);
}

const patches = (reqs: RecordedRequest[]): RecordedRequest[] => reqs.filter((r) => r.method === 'PATCH');

describe('chunked uploads against a scripted registry', { timeout: 60_000 }, () => {
  let fake: FakeRegistry;
  let session: Session;
  const dirs = tempDir('regctl-chunked-');

  before(async () => {
    fake = await startFake();
  });
  beforeEach(async () => {
    fake.server.requests.length = 0;
    fake.refuseMonolithic = false;
    fake.minChunk = 0;
    await session?.close();
    // A new session per test: what a registry refused is remembered for the run.
    session = await Session.create({ cacheDir: `${dirs.dir}/cache`, configDir: `${dirs.dir}/config`, env: isolatedEnv() });
  });
  after(async () => {
    await session?.close();
    await fake.server.close();
    dirs.remove();
  });

  it('sends PATCH chunks with Content-Range, honouring OCI-Chunk-Min-Length, then an empty PUT ?digest=', async () => {
    fake.minChunk = 300_000;
    const repo = session.repository(parseReference(`${fake.server.host}/team/app:v1`), { chunkedAbove: 0, chunkSize: 100_000 });
    const { desc, bytes } = blob(700_000, 1);
    await repo.push(desc, streamOf(bytes));
    const sent = patches(fake.server.requests);
    assert.deepEqual(
      sent.map((r) => r.body.length),
      [300_000, 300_000, 100_000],
    );
    assert.deepEqual(
      sent.map((r) => r.headers['content-range']),
      ['0-299999', '300000-599999', '600000-699999'],
    );
    const put = fake.server.requests.find((r) => r.method === 'PUT');
    assert.ok(put && put.body.length === 0 && put.url.includes(`digest=${encodeURIComponent(desc.digest)}`));
    assert.ok(fake.stored.get(desc.digest)?.equals(bytes));
  });

  it('below the threshold a blob goes up in one streamed PUT', async () => {
    const repo = session.repository(parseReference(`${fake.server.host}/team/app:v1`), { chunkedAbove: 1_000_000 });
    const { desc, bytes } = blob(200_000, 2);
    await repo.push(desc, streamOf(bytes));
    assert.deepEqual(patches(fake.server.requests), []);
    assert.equal(fake.server.requests.find((r) => r.method === 'PUT')?.body.length, 200_000);
    assert.ok(fake.stored.get(desc.digest)?.equals(bytes));
  });

  it('a refused monolithic upload is re-read from its source and sent in chunks; later blobs go in chunks at once', async () => {
    fake.refuseMonolithic = true;
    const first = blob(150_000, 3);
    const second = blob(90_000, 4);
    const sources = new Map([
      [first.desc.digest, first.bytes],
      [second.desc.digest, second.bytes],
    ]);
    let reopened = 0;
    const repo = session.repository(parseReference(`${fake.server.host}/team/app:v1`), {
      chunkSize: 64 * 1024,
      reopen: async (d) => {
        reopened++;
        return streamOf(sources.get(d.digest)!);
      },
    });
    await repo.push(first.desc, streamOf(first.bytes));
    assert.equal(reopened, 1);
    assert.ok(fake.stored.get(first.desc.digest)?.equals(first.bytes));
    fake.server.requests.length = 0;
    await repo.push(second.desc, streamOf(second.bytes));
    assert.equal(reopened, 1, 'no second monolithic attempt');
    assert.equal(fake.server.requests.filter((r) => r.method === 'PUT' && r.body.length > 0).length, 0);
    assert.equal(patches(fake.server.requests).length, 2);
    assert.ok(fake.stored.get(second.desc.digest)?.equals(second.bytes));
  });

  it('without a way to re-read the source, a refusal is an error naming the remedy', async () => {
    fake.refuseMonolithic = true;
    const repo = session.repository(parseReference(`${fake.server.host}/team/app:v1`));
    const { desc, bytes } = blob(10_000, 5);
    await assert.rejects(repo.push(desc, streamOf(bytes)), (err: unknown) => err instanceof RegctlError && /--chunked-above 0/.test(err.message));
  });

  it('a content mismatch is not retried in chunks', async () => {
    let reopened = 0;
    const repo = session.repository(parseReference(`${fake.server.host}/team/app:v1`), {
      reopen: async () => {
        reopened++;
        return streamOf(Buffer.alloc(0));
      },
    });
    const { desc } = blob(1000, 6);
    await assert.rejects(repo.push(desc, streamOf(blob(1000, 7).bytes)));
    assert.equal(reopened, 0);
  });

  it('regctl copy oci:DIR → a registry refusing monolithic uploads completes via chunks', async () => {
    fake.refuseMonolithic = true;
    const layout = `${dirs.dir}/layout`;
    const store = await LayoutStore.open(layout, { create: true });
    const img = await buildRandomImage(store, { seed: 'chunked-copy', layers: 2, layerSize: 200_000, tag: 'v1' });
    const r = await runCli(['--cache-dir', `${dirs.dir}/cli-cache`, 'copy', '--chunk-size', '64KiB', `oci:${layout}:v1`, `${fake.server.host}/copied/app:v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Digest: ${img.manifest.digest}`));
    for (const d of [img.config, ...img.layers]) assert.equal(fake.stored.get(d.digest)?.length, d.size);
    assert.ok(fake.stored.get('copied/app:v1')?.equals(img.manifestBytes));
  });
});
