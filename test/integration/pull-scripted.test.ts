import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import { buildRandomImage, type RandomImage } from '../support/random-image.js';
import { sendJson, startScriptedServer, type RecordedRequest, type ScriptedServer } from '../support/scripted-server.js';
import { assertBlobsIntact, BytesSink, cacheBlobs, cacheNames, HOST_ARCH, sha256 } from './pull-helpers.js';

const USER = 'alice';
const PASSWORD = 'scripted-secret';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** Answers a blob GET itself (returns true) or lets the default handler serve it. */
type BlobHook = (digest: string, res: ServerResponse, attempt: number) => boolean;

interface FakeRegistryOptions {
  blobs: Map<string, Buffer>;
  /** Manifests by tag or digest. */
  manifests: Map<string, { mediaType: string; bytes: Buffer; digestHeader?: string }>;
  /** Every /v2/ request needs this Basic user. */
  requireBasic?: boolean;
  blobHook?: BlobHook;
}

/** A minimal Distribution API server over the given content, with hooks for misbehaviour. */
function fakeRegistry(opts: FakeRegistryOptions): (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest) => void {
  const attempts = new Map<string, number>();
  return (req, res, rec) => {
    const path = rec.url.split('?')[0] ?? '';
    if (opts.requireBasic && rec.headers.authorization !== BASIC) {
      sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': 'Basic realm="scripted"' });
      return;
    }
    if (path === '/v2/') return sendJson(res, 200, {});
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) return sendJson(res, 404, { errors: [{ code: 'NOT_FOUND', message: path }] });
    const [, , kind, ref] = m as unknown as [string, string, string, string];
    const head = req.method === 'HEAD';
    if (kind === 'manifests') {
      const found = opts.manifests.get(ref);
      if (!found) return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: ref }] });
      res.writeHead(200, {
        'content-type': found.mediaType,
        'content-length': String(found.bytes.length),
        'docker-content-digest': found.digestHeader ?? sha256(found.bytes),
      });
      res.end(head ? undefined : found.bytes);
      return;
    }
    const attempt = (attempts.get(ref) ?? 0) + 1;
    attempts.set(ref, attempt);
    if (!head && opts.blobHook?.(ref, res, attempt)) return;
    const blob = opts.blobs.get(ref);
    if (!blob) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: ref }] });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length), 'docker-content-digest': ref });
    res.end(head ? undefined : blob);
  };
}

describe('pull against scripted servers', () => {
  let sink: BytesSink;
  let img: RandomImage;
  const servers: ScriptedServer[] = [];
  const dirs: (() => void)[] = [];
  const newCache = (): string => {
    const t = tempDir('regctl-pull-cache-');
    dirs.push(t.remove);
    return t.dir;
  };
  const manifestsFor = (extra: Partial<{ mediaType: string; bytes: Buffer; digestHeader: string }> = {}): FakeRegistryOptions['manifests'] => {
    const entry = { mediaType: img.manifest.mediaType, bytes: img.manifestBytes, ...extra };
    return new Map([
      ['v1', entry],
      [img.manifest.digest, entry],
    ]);
  };
  const serve = async (opts: FakeRegistryOptions): Promise<ScriptedServer> => {
    const s = await startScriptedServer(fakeRegistry(opts));
    servers.push(s);
    return s;
  };

  before(async () => {
    sink = new BytesSink();
    img = await buildRandomImage(sink, { seed: 'pull-scripted', layers: 2, layerSize: 64 * 1024, platform: { os: 'linux', architecture: HOST_ARCH } });
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const remove of dirs) remove();
  });

  it('pulls from the fake registry when it behaves (control)', async () => {
    const s = await serve({ blobs: sink.blobs, manifests: manifestsFor() });
    const cache = newCache();
    const name = `${s.host}/fake/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Digest: ${img.manifest.digest}\nStatus: Downloaded newer image for ${name}\n${name}\n`);
    await assertBlobsIntact(cache);
  });

  it('exits 1 and names nothing when the manifest does not match Docker-Content-Digest', async () => {
    const wrong = sha256('something else');
    const s = await serve({ blobs: sink.blobs, manifests: manifestsFor({ digestHeader: wrong }) });
    const cache = newCache();
    const r = await runCli(['pull', '--cache-dir', cache, `${s.host}/fake/app:v1`]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /digest/i);
    assert.deepEqual(await cacheNames(cache), []);
    await assertBlobsIntact(cache);
  });

  it('fails, keeps no blob under the wrong name and names nothing when a blob does not match its digest', async () => {
    const layer = img.layers[0]!.digest;
    const corrupt = Buffer.from(sink.blobs.get(layer)!);
    corrupt[corrupt.length >> 1]! ^= 0xff;
    const blobs = new Map(sink.blobs);
    blobs.set(layer, corrupt);
    const s = await serve({ blobs, manifests: manifestsFor() });
    const cache = newCache();
    const r = await runCli(['pull', '--cache-dir', cache, `${s.host}/fake/app:v1`]);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(layer.slice(7, 19)));
    assert.ok(!(await cacheBlobs(cache)).includes(layer), 'the corrupt layer was stored under its digest');
    await assertBlobsIntact(cache);
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('follows a blob redirect to another origin without sending Authorization there', async () => {
    const storage = await startScriptedServer((_req, res, rec) => {
      const hex = /^\/storage\/([0-9a-f]{64})/.exec(rec.url)?.[1];
      const blob = hex ? sink.blobs.get(`sha256:${hex}`) : undefined;
      if (!blob) return sendJson(res, 404, { error: 'no such object' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) });
      res.end(blob);
    });
    servers.push(storage);
    const s = await serve({
      blobs: sink.blobs,
      manifests: manifestsFor(),
      requireBasic: true,
      blobHook: (digest, res) => {
        res.writeHead(307, { location: `${storage.url}/storage/${digest.slice(7)}?X-Amz-Signature=abc`, 'content-length': '0' });
        res.end();
        return true;
      },
    });
    const cache = newCache();
    const name = `${s.host}/fake/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name], { env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: PASSWORD, REGCTL_REGISTRY: s.host } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
    const blobs = await assertBlobsIntact(cache);
    for (const l of img.layers) assert.ok(blobs.includes(l.digest), `layer ${l.digest} missing`);
    assert.ok(
      s.requests.some((q) => q.headers.authorization === undefined),
      'the registry never challenged',
    );
    assert.ok(
      s.requests.some((q) => q.headers.authorization === BASIC),
      'the registry never got credentials',
    );
    assert.ok(storage.requests.length >= img.layers.length, `storage got ${storage.requests.length} requests`);
    for (const q of storage.requests) assert.equal(q.headers.authorization, undefined, `Authorization sent to the other origin on ${q.url}`);
  });

  it('refuses a schema 1 manifest with a message saying so', async () => {
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 1, name: 'fake/app', tag: 'v1', architecture: HOST_ARCH, fsLayers: [], history: [], signatures: [] }),
    );
    const s = await serve({
      blobs: sink.blobs,
      manifests: new Map([['v1', { mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws', bytes }]]),
    });
    const cache = newCache();
    const r = await runCli(['pull', '--cache-dir', cache, `${s.host}/fake/app:v1`]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /schema ?1|schema version 1/i);
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('retries a blob GET answered 503 and succeeds', async () => {
    const layer = img.layers[1]!.digest;
    let refused = 0;
    const s = await serve({
      blobs: sink.blobs,
      manifests: manifestsFor(),
      blobHook: (digest, res, attempt) => {
        if (digest !== layer || attempt > 1) return false;
        refused++;
        sendJson(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'try again' }] });
        return true;
      },
    });
    const cache = newCache();
    const name = `${s.host}/fake/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(refused, 1);
    const gets = s.requests.filter((q) => q.method === 'GET' && q.url.includes(`/blobs/${layer}`));
    assert.equal(gets.length, 2, 'one refused GET and one retry');
    const blobs = await assertBlobsIntact(cache);
    assert.ok(blobs.includes(layer));
    assert.deepEqual(await cacheNames(cache), [name]);
  });
});
