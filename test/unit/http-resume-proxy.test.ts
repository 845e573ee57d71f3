import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { createTransport } from '../../src/http/transport.js';
import { RegctlError } from '../../src/errors.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer } from '../support/scripted-server.js';

const DATA = Buffer.from('0123456789abcdefghij');

test('a GET whose connection drops mid-body resumes with a Range request', async (t) => {
  const srv = await startScriptedServer((req, res) => {
    const range = req.headers.range;
    if (!range) {
      res.writeHead(200, { 'content-length': String(DATA.length), etag: '"e1"' });
      res.write(DATA.subarray(0, 8), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const start = Number(/bytes=(\d+)-/.exec(range)?.[1]);
    res.writeHead(206, { 'content-range': `bytes ${start}-${DATA.length - 1}/${DATA.length}`, 'content-length': String(DATA.length - start), etag: '"e1"' });
    res.end(DATA.subarray(start));
  });
  const tr = createTransport({ userAgent: 'x', retry: { minTimeout: 5 }, env: {} });
  t.after(async () => { await tr.close(); await srv.close(); });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/a/blobs/sha256:1` });
  assert.equal((await readStream(res.body, 1 << 20)).toString(), DATA.toString());
  assert.equal(srv.requests.length, 2);
  assert.equal(srv.requests[1]?.headers.range, 'bytes=8-19');
});

test('a body that keeps failing errors its stream with a network RegctlError', async (t) => {
  const srv = await startScriptedServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(DATA.length) });
    res.write(DATA.subarray(0, 4), () => setTimeout(() => res.socket?.destroy(), 20));
  });
  const tr = createTransport({ userAgent: 'x', retry: { maxRetries: 1, minTimeout: 5 }, env: {} });
  t.after(async () => { await tr.close(); await srv.close(); });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/a/blobs/sha256:1` });
  await assert.rejects(readStream(res.body, 1 << 20), (err: unknown) => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, 'network');
    assert.match(err.message, new RegExp(srv.host.replace(/\./g, '\\.')));
    return true;
  });
});

test('HTTP_PROXY is used, and NO_PROXY bypasses it', async (t) => {
  const target = await startScriptedServer((_q, res) => { res.end('via'); });
  const seen: string[] = [];
  const proxy = createServer((req, res) => {
    // Plain forward proxying (absolute-form request line).
    seen.push(`${req.method} ${req.url}`);
    const up = httpRequest(req.url!, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode!, r.headers); r.pipe(res); });
    req.pipe(up);
  });
  proxy.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const up = netConnect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  t.after(async () => {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await target.close();
  });

  const viaProxy = createTransport({ userAgent: 'x', env: { HTTP_PROXY: proxyUrl } });
  const res = await viaProxy.request({ method: 'GET', url: `${target.url}/v2/` });
  assert.equal((await readStream(res.body, 1024)).toString(), 'via');
  await viaProxy.close();
  assert.equal(seen.length, 1, seen.join());
  assert.match(seen[0]!, new RegExp(target.host.replace(/\./g, '\\.')));

  const bypass = createTransport({ userAgent: 'x', env: { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' } });
  const res2 = await bypass.request({ method: 'GET', url: `${target.url}/v2/` });
  res2.body.resume();
  await bypass.close();
  assert.equal(seen.length, 1, 'NO_PROXY host went direct');
  assert.equal(target.requests.length, 2);
});
