import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import type { TransportRequest, TransportResponse } from '../../src/http/transport.js';
import { isNonDistributable } from '../../src/oci/media-types.js';
import { ForeignLayerFetcher } from '../../src/registry/foreign-layers.js';

const LAYER = Buffer.from('layer bytes');
const desc = (urls: string[]) => ({
  mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  digest: `sha256:${'a'.repeat(64)}`,
  size: LAYER.length,
  urls,
});

/** A transport that answers from a table by host and records what was asked; nothing leaves the process. */
function fakeTransport(answers: Record<string, number | [number, number] | 'reset'>, plainOk: (host: string) => boolean = () => false) {
  const sent: TransportRequest[] = [];
  return {
    sent,
    allowsPlainHttp: plainOk,
    async request(req: TransportRequest): Promise<TransportResponse> {
      sent.push(req);
      const answer = answers[new URL(req.url).host];
      if (answer === undefined || answer === 'reset') throw new RegctlError('network', `network error talking to ${new URL(req.url).host}: ECONNRESET`);
      const [status, length] = Array.isArray(answer) ? answer : [answer, LAYER.length];
      return { status, headers: { 'content-length': String(length) }, body: Readable.from([LAYER]), url: req.url };
    },
  };
}

test('foreign layers: each url in order, https only, plain http refused before connecting, no auth header, a wrong length skipped', async () => {
  const t = fakeTransport({ 'a.example': 404, 'b.example': [200, 999], 'c.example': 200 });
  const fetcher = new ForeignLayerFetcher(t);
  const body = await fetcher.fetch(
    desc(['ftp://x.example/l', 'not a url', 'http://192.0.2.1/layer', 'https://a.example/l', 'https://b.example/l', 'https://c.example/l?sig=secret']),
  );
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  assert.deepEqual(Buffer.concat(chunks), LAYER);
  assert.deepEqual(
    t.sent.map((r) => r.url),
    ['https://a.example/l', 'https://b.example/l', 'https://c.example/l?sig=secret'],
  );
  for (const r of t.sent) {
    assert.equal(r.method, 'GET');
    assert.equal(
      Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === 'authorization'),
      false,
    );
  }
});

test('foreign layers: plain http goes to loopback and insecure hosts only', async () => {
  const t = fakeTransport({ '127.0.0.1:8080': 200 }, (host) => host.startsWith('127.'));
  await new ForeignLayerFetcher(t).fetch(desc(['http://127.0.0.1:8080/l']));
  assert.equal(t.sent.length, 1);
});

test('foreign layers: when no url serves it, one error names the layer and each url, never a query', async () => {
  const t = fakeTransport({ 'a.example': 404, 'b.example': 401 });
  const err = await new ForeignLayerFetcher(t)
    .fetch(desc(['https://a.example/l?sig=secret', 'https://b.example/l', 'http://203.0.113.9/l']))
    .catch((e: unknown) => e);
  assert.ok(err instanceof RegctlError);
  assert.equal(err.kind, 'not-found');
  assert.match(
    err.message,
    /^foreign layer sha256:a{64} could not be fetched from its urls: https:\/\/a\.example\/l: HTTP 404; https:\/\/b\.example\/l: HTTP 401; http:\/\/203\.0\.113\.9\/l: plain HTTP refused/,
  );
  assert.ok(!err.message.includes('secret'));
  const reset = await new ForeignLayerFetcher(fakeTransport({ 'a.example': 'reset' })).fetch(desc(['https://a.example/l'])).catch((e: unknown) => e);
  assert.equal((reset as RegctlError).kind, 'network');
  const none = await new ForeignLayerFetcher(fakeTransport({})).fetch(desc([])).catch((e: unknown) => e);
  assert.match((none as Error).message, /lists no urls/);
});

test('non-distributable media types are Docker foreign and OCI nondistributable layers', () => {
  for (const t of [
    'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ])
    assert.equal(isNonDistributable(t), true, t);
  for (const t of ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.oci.image.layer.v1.tar+gzip', undefined])
    assert.equal(isNonDistributable(t), false, String(t));
});
