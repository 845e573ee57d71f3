import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
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
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/a/blobs/sha256:1` });
  await assert.rejects(readStream(res.body, 1 << 20), (err: unknown) => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, 'network');
    assert.match(err.message, new RegExp(srv.host.replace(/\./g, '\\.')));
    return true;
  });
});
