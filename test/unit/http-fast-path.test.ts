import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { createConnector } from '../../src/http/tls-connector.js';
import { consumeBody } from '../../src/http/consume-body.js';
import { FastClient } from '../../src/http/fast-client.js';
import { createTransport, type TransportResponse } from '../../src/http/transport.js';
import { readStream } from '../../src/content/read-all.js';
import { RegctlError } from '../../src/errors.js';
import { sendJson, startScriptedServer } from '../support/scripted-server.js';

const BODY = Buffer.alloc(3 * 1024 * 1024 + 5, 'b');

/** Reads a whole body through consume (fast path) or the stream (undici). */
async function bodyOf(res: TransportResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  await consumeBody(res, (c) => void parts.push(Buffer.from(c)));
  return Buffer.concat(parts);
}

/** A node:http server on 127.0.0.1:0 that counts the connections it accepted. */
async function countingServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; connections: () => number; server: Server }> {
  const server = createServer(handler);
  let n = 0;
  server.on('connection', () => n++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => n, server };
}

test('blob GETs on the fast path: bodies delivered whole, one kept-alive connection for several requests', async (t) => {
  const srv = await countingServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(BODY.length) });
    res.end(BODY);
  });
  const debug: string[] = [];
  const tr = createTransport({ userAgent: 'x', env: {}, debug: (l) => debug.push(l) });
  t.after(async () => {
    await tr.close();
    srv.server.closeAllConnections();
    srv.server.close();
  });
  for (let i = 0; i < 3; i++) {
    const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/a/blobs/sha256:1`, fast: true });
    assert.equal(res.status, 200);
    assert.ok(res.consume, 'answered by the fast path');
    assert.ok((await bodyOf(res)).equals(BODY));
  }
  assert.equal(srv.connections(), 1);
  assert.equal(debug.filter((l) => l.includes('socket fast path, kept-alive')).length, 2);
});

test('a kept-alive connection is not closed under a request that outlasts the idle timeout (regression)', async (t) => {
  const srv = await countingServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(BODY.length) });
    // Half now, half after the idle timeout has passed.
    res.write(BODY.subarray(0, 1000), () => setTimeout(() => res.end(BODY.subarray(1000)), 150));
  });
  const fast = new FastClient({ connect: createConnector({}), timeoutMs: 5000, idleMs: 50 });
  t.after(() => {
    fast.close();
    srv.server.closeAllConnections();
    srv.server.close();
  });
  const url = new URL(`${srv.url}/blob`);
  for (let i = 0; i < 2; i++) {
    const res = await fast.request({ url, method: 'GET', headers: {} });
    assert.ok(res);
    const parts: Buffer[] = [];
    await res.consume((c) => void parts.push(Buffer.from(c)));
    assert.ok(Buffer.concat(parts).equals(BODY));
  }
  assert.equal(srv.connections(), 1);
});

test('a kept-alive connection the server closed meanwhile is replaced without an error', async (t) => {
  const sockets: Socket[] = [];
  const srv = await countingServer((req, res) => {
    sockets.push(req.socket);
    res.writeHead(200, { 'content-length': '5' });
    res.end('hello');
  });
  const tr = createTransport({ userAgent: 'x', env: {} });
  t.after(async () => {
    await tr.close();
    srv.server.closeAllConnections();
    srv.server.close();
  });
  const get = async (): Promise<string> => (await bodyOf(await tr.request({ method: 'GET', url: `${srv.url}/b`, fast: true }))).toString();
  assert.equal(await get(), 'hello');
  sockets[0]?.destroy();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await get(), 'hello');
  assert.equal(srv.connections(), 2);
});

test('a chunked answer is read on the fast path, split across reads; a gzip-coded one is left to undici (the origin is remembered)', async (t) => {
  const srv = await startScriptedServer((req, res) => {
    if (req.url === '/gzip') {
      res.writeHead(200, { 'transfer-encoding': 'gzip, chunked' });
      res.end('');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write('chunk one, ');
    setTimeout(() => res.end('chunk two'), 20);
  });
  const debug: string[] = [];
  const tr = createTransport({ userAgent: 'x', env: {}, debug: (l) => debug.push(l) });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  for (let i = 0; i < 2; i++) {
    const res = await tr.request({ method: 'GET', url: `${srv.url}/b`, fast: true });
    assert.equal(typeof res.consume, 'function', 'answered by the fast path');
    assert.equal((await bodyOf(res)).toString(), 'chunk one, chunk two');
  }
  assert.equal(debug.filter((l) => /kept-alive connection/.test(l)).length, 1, 'the connection was kept for the second request');
  const gz = await tr.request({ method: 'GET', url: `${srv.url}/gzip`, fast: true }).catch((err: unknown) => err);
  assert.equal(debug.filter((l) => /fast path declined: Transfer-Encoding/.test(l)).length, 1);
  assert.ok(gz !== undefined);
  // Twice on the fast path, then /gzip once there (declined) and once through undici.
  assert.equal(srv.requests.length, 4);
});

test('error answers are read as streams; the connection cap queues requests; a header value with CR/LF never reaches the wire', async (t) => {
  let inFlight = 0;
  let most = 0;
  const srv = await startScriptedServer((req, res) => {
    if (req.url === '/missing') return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
    inFlight++;
    most = Math.max(most, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    }, 30);
  });
  const tr = createTransport({ userAgent: 'x', env: {}, connections: 1, retry: { maxRetries: 0 } });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const missing = await tr.request({ method: 'GET', url: `${srv.url}/missing`, fast: true });
  assert.equal(missing.status, 404);
  assert.match((await readStream(missing.body, 1 << 16)).toString(), /BLOB_UNKNOWN/);
  const bodies = await Promise.all([1, 2, 3].map(async () => (await bodyOf(await tr.request({ method: 'GET', url: `${srv.url}/b`, fast: true }))).toString()));
  assert.deepEqual(bodies, ['ok', 'ok', 'ok']);
  assert.equal(most, 1, 'one connection: one request at a time');
  await assert.rejects(tr.request({ method: 'GET', url: `${srv.url}/b`, fast: true, headers: { authorization: 'Bearer x\r\nx-injected: 1' } }));
  assert.ok(srv.requests.every((r) => r.headers['x-injected'] === undefined));
});

test('a sink that throws fails the body with its own error, not a network error', async (t) => {
  const srv = await countingServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(BODY.length) });
    res.end(BODY);
  });
  const tr = createTransport({ userAgent: 'x', env: {} });
  t.after(async () => {
    await tr.close();
    srv.server.closeAllConnections();
    srv.server.close();
  });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/b`, fast: true });
  const mine = new RegctlError('failed', 'cannot write /x: ENOSPC');
  await assert.rejects(
    res.consume!(() => {
      throw mine;
    }),
    (err: unknown) => err === mine,
  );
});

test("a small answer read whole ('whole'): a connection cut mid-body and a 503 are retried; HEAD reads no body; undici is never needed", async (t) => {
  let gets = 0;
  const srv = await startScriptedServer((req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': '123456', 'docker-content-digest': 'sha256:x' });
      res.end();
      return;
    }
    gets++;
    if (gets === 1) {
      // Promises 20 bytes, sends 5, and hangs up.
      res.writeHead(200, { 'content-length': '20' });
      res.write('{"par');
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    }
    if (gets === 2) {
      res.writeHead(503, { 'retry-after': '0', 'content-length': '0' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': '20' });
    res.end('{"partial":"no","n":1}'.slice(0, 20));
  });
  const notices: string[] = [];
  const debug: string[] = [];
  const tr = createTransport({ userAgent: 'x', env: {}, debug: (l) => debug.push(l), retry: { minTimeout: 10, onRetry: (n) => notices.push(n.reason) } });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/a/manifests/v1`, fast: 'whole' });
  assert.equal(res.status, 200);
  assert.equal((await readStream(res.body, 1024, 'manifest')).toString(), '{"partial":"no","n":1}'.slice(0, 20));
  assert.deepEqual(notices, ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'HTTP 503']);
  const head = await tr.request({ method: 'HEAD', url: `${srv.url}/v2/a/manifests/v1`, fast: 'whole' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['docker-content-digest'], 'sha256:x');
  assert.equal((await readStream(head.body, 1024, 'head')).length, 0);
  assert.equal(srv.requests.length, 4);
  assert.equal(debug.filter((l) => /fast path declined/.test(l)).length, 0);
});
