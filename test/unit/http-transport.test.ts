import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport, header, type Transport } from '../../src/http/transport.js';
import { isLoopbackHost } from '../../src/http/scheme.js';
import { toNetworkError } from '../../src/http/errors.js';
import { RegctlError } from '../../src/errors.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer, sendJson } from '../support/scripted-server.js';

const fast = { maxRetries: 3, minTimeout: 10, maxTimeout: 2000 };

function transport(extra: Partial<Parameters<typeof createTransport>[0]> = {}): Transport {
  return createTransport({ userAgent: 'regctl/test', retry: fast, env: {}, ...extra });
}

test('sends User-Agent, returns lower-case headers and a readable body', async (t) => {
  const srv = await startScriptedServer((_q, res) => sendJson(res, 200, { ok: true }, { 'Docker-Content-Digest': 'sha256:x' }));
  const tr = transport();
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/` });
  assert.equal(res.status, 200);
  assert.equal(header(res, 'DOCKER-CONTENT-DIGEST'), 'sha256:x');
  assert.equal(res.headers['docker-content-digest'], 'sha256:x');
  assert.deepEqual(JSON.parse((await readStream(res.body, 1 << 20)).toString()), { ok: true });
  assert.equal(srv.requests[0]?.headers['user-agent'], 'regctl/test');
});

test('retries a GET on 503 and then succeeds', async (t) => {
  let n = 0;
  const srv = await startScriptedServer((_q, res) => (++n < 3 ? sendJson(res, 503, {}) : sendJson(res, 200, { n })));
  const tr = transport();
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/x` });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse((await readStream(res.body, 1 << 20)).toString()).n, 3);
  assert.equal(srv.requests.length, 3);
});

test('hands back the last 503 after the retries are spent', async (t) => {
  const srv = await startScriptedServer((_q, res) => sendJson(res, 503, { e: 1 }));
  const tr = transport({ retry: { maxRetries: 2, minTimeout: 5 } });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/x` });
  assert.equal(res.status, 503);
  await readStream(res.body, 1 << 20);
  assert.equal(srv.requests.length, 3);
});

test('does not retry a PUT on 503', async (t) => {
  const srv = await startScriptedServer((_q, res) => sendJson(res, 503, {}));
  const tr = transport();
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'PUT', url: `${srv.url}/v2/x`, body: 'abc' });
  assert.equal(res.status, 503);
  res.body.resume();
  assert.equal(srv.requests.length, 1);
});

test('honours Retry-After: 1 on 429', async (t) => {
  let n = 0;
  const srv = await startScriptedServer((_q, res) => (++n === 1 ? sendJson(res, 429, {}, { 'Retry-After': '1' }) : sendJson(res, 200, {})));
  const tr = transport();
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const start = Date.now();
  const res = await tr.request({ method: 'GET', url: `${srv.url}/v2/x` });
  res.body.resume();
  assert.equal(res.status, 200);
  assert.ok(Date.now() - start >= 950, `waited ${Date.now() - start} ms`);
  assert.equal(srv.requests.length, 2);
});

test('a cross-origin redirect does not carry Authorization; a same-origin one does', async (t) => {
  const blob = await startScriptedServer((_q, res) => {
    res.end('blob-bytes');
  });
  const reg = await startScriptedServer((q, res) => {
    if (q.url === '/v2/a/blobs/sha256:1') {
      res.writeHead(307, { location: `${blob.url}/data?X-Amz-Signature=s` });
      res.end();
      return;
    }
    if (q.url === '/v2/a/blobs/sha256:2') {
      res.writeHead(307, { location: '/v2/a/blobs/sha256:1' });
      res.end();
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  const lines: string[] = [];
  const tr = transport({ debug: (l) => lines.push(l) });
  t.after(async () => {
    await tr.close();
    await reg.close();
    await blob.close();
  });
  const res = await tr.request({ method: 'GET', url: `${reg.url}/v2/a/blobs/sha256:2`, headers: { Authorization: 'Bearer secret-token' } });
  assert.equal(res.status, 200);
  assert.equal((await readStream(res.body, 1 << 20)).toString(), 'blob-bytes');
  assert.equal(res.url, `${blob.url}/data?X-Amz-Signature=s`);
  assert.equal(reg.requests.length, 2);
  assert.equal(reg.requests[1]?.headers.authorization, 'Bearer secret-token', 'same-origin hop keeps the header');
  assert.equal(blob.requests.length, 1);
  assert.equal(blob.requests[0]?.headers.authorization, undefined, 'the other origin must not see Authorization');
  const log = lines.join('\n');
  assert.ok(!log.includes('secret-token'), log);
  assert.ok(!log.includes('X-Amz-Signature=s'), log);
  assert.ok(log.includes('authorization: Bearer [redacted]'), log);
  assert.ok(/< 307/.test(log) && /< 200/.test(log), log);
});

test('connection refused is a network error naming host and port', async () => {
  const srv = await startScriptedServer((_q, res) => {
    res.end();
  });
  const port = srv.port;
  await srv.close();
  const tr = transport();
  try {
    await assert.rejects(tr.request({ method: 'GET', url: `http://127.0.0.1:${port}/v2/` }), (err: unknown) => {
      assert.ok(err instanceof RegctlError);
      assert.equal(err.kind, 'network');
      assert.equal(err.exitCode, 5);
      assert.equal(err.message, `connection refused by 127.0.0.1:${port}`);
      return true;
    });
  } finally {
    await tr.close();
  }
});

test('toNetworkError maps resolver and TLS codes to one-line messages', () => {
  const mk = (code: string) => Object.assign(new Error('x'), { code });
  const a = toNetworkError(mk('ENOTFOUND'), 'https://nope.example/v2/') as RegctlError;
  assert.equal(a.message, 'cannot resolve host "nope.example"');
  const b = toNetworkError(mk('SELF_SIGNED_CERT_IN_CHAIN'), 'https://r.example:5000/v2/') as RegctlError;
  assert.equal(b.kind, 'network');
  assert.match(b.message, /^TLS certificate of r\.example:5000 cannot be verified \(SELF_SIGNED_CERT_IN_CHAIN\); pass --ca-cert FILE/);
  const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
  assert.equal(toNetworkError(abort, 'https://r/'), abort);
});

test('isLoopbackHost knows localhost, 127/8 and ::1 with or without port', () => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '::1', '[::1]:5000']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['docker.io', '10.0.0.1:5000', '128.0.0.1', 'localhost.example.com', '[::2]:5000']) assert.ok(!isLoopbackHost(h), h);
});

test('baseUrl: plain HTTP on loopback after trying TLS, https elsewhere without probing', async (t) => {
  const srv = await startScriptedServer((_q, res) => sendJson(res, 200, {}));
  const tr = transport();
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  assert.equal(await tr.baseUrl(srv.host), `http://${srv.host}`);
  assert.equal(await tr.baseUrl(srv.host), `http://${srv.host}`);
  assert.equal(srv.requests.length, 0, 'the TLS probe never reached the HTTP handler');
  assert.equal(await tr.baseUrl('registry.example.com'), 'https://registry.example.com');
  assert.equal(tr.allowsPlainHttp('registry.example.com'), false);
  assert.equal(createTransport({ userAgent: 'x', insecureHosts: ['registry.example.com'], env: {} }).allowsPlainHttp('registry.example.com:5000'), true);
});

test('an unreadable CA file is a one-line usage error naming it', () => {
  assert.throws(
    () => createTransport({ userAgent: 'x', caCertFiles: ['/nonexistent/ca.pem'] }),
    (err: unknown) => {
      assert.ok(err instanceof RegctlError);
      assert.equal(err.kind, 'usage');
      assert.match(err.message, /\/nonexistent\/ca\.pem/);
      return true;
    },
  );
});
