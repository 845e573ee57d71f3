import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { nextHop, type Hop } from '../../src/http/redirect.js';
import { createTransport } from '../../src/http/transport.js';
import { isLoopbackHost } from '../../src/http/scheme.js';
import { RegctlError } from '../../src/errors.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer, sendJson } from '../support/scripted-server.js';
import { fakeLookup } from '../support/fake-lookup.js';

const plainOk = (h: string): boolean => isLoopbackHost(h) || h.startsWith('insecure.example');
const creds = { authorization: 'Bearer t', cookie: 'c=1', 'proxy-authorization': 'Basic p', accept: 'x/y', host: 'reg.example' };

function hop(url: string, method = 'GET', body?: Hop['body'], headers: Record<string, string> = creds): Hop {
  return { url: new URL(url), method, headers: { ...headers }, ...(body !== undefined ? { body } : {}) };
}

test('nextHop: credentials stay on their origin; bodies only go again to the same origin', () => {
  const cross = nextHop(hop('https://reg.example/v2/a/blobs/x'), 307, 'https://storage.example/blob?sig=1', plainOk);
  assert.equal(cross?.url.toString(), 'https://storage.example/blob?sig=1');
  assert.deepEqual(cross?.headers, { accept: 'x/y' }, 'no Authorization, Cookie, Proxy-Authorization or Host to another origin');

  const same = nextHop(hop('https://reg.example/v2/a/blobs/x'), 302, '/v2/a/blobs/y', plainOk);
  assert.equal(same?.url.toString(), 'https://reg.example/v2/a/blobs/y');
  assert.deepEqual(same?.headers, { authorization: 'Bearer t', cookie: 'c=1', 'proxy-authorization': 'Basic p', accept: 'x/y' });

  // Another port, or https → http on the same host, is another origin.
  assert.equal(nextHop(hop('https://reg.example/x'), 307, 'https://reg.example:8443/y', plainOk)?.headers['authorization'], undefined);
  assert.equal(nextHop(hop('http://127.0.0.1:5000/x'), 307, 'https://127.0.0.1:5000/y', plainOk)?.headers['authorization'], undefined);

  const put = nextHop(hop('https://reg.example/v2/a/manifests/1', 'PUT', Buffer.from('{}')), 307, '/v2/a/manifests/2', plainOk);
  assert.equal(put?.method, 'PUT');
  assert.deepEqual(put?.body, Buffer.from('{}'));
  assert.equal(
    nextHop(hop('https://reg.example/token', 'POST', 'password=hunter2'), 307, 'https://evil.example/token', plainOk),
    undefined,
    'a body never goes to another origin',
  );
  assert.equal(
    nextHop(hop('https://reg.example/v2/a/blobs/uploads/1', 'PUT', Readable.from([Buffer.from('x')])), 307, '/v2/other', plainOk),
    undefined,
    'a stream is never replayed',
  );
});

test('nextHop: 303, and 301/302 after POST, become GET without body or content headers', () => {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '9', accept: 'a' };
  const see = nextHop(hop('https://reg.example/p', 'POST', 'a=1', headers), 303, '/q', plainOk);
  assert.deepEqual(see && { m: see.method, b: see.body, h: see.headers }, { m: 'GET', b: undefined, h: { accept: 'a' } });
  assert.equal(nextHop(hop('https://reg.example/p', 'POST', 'a=1', headers), 302, 'https://other.example/q', plainOk)?.method, 'GET');
  assert.equal(nextHop(hop('https://reg.example/p', 'HEAD'), 303, '/q', plainOk)?.method, 'HEAD');
});

test('nextHop: plain HTTP only to loopback and insecure hosts, whatever the Location says', () => {
  const refuse = (location: string) =>
    assert.throws(
      () => nextHop(hop('https://reg.example/v2/'), 307, location, plainOk),
      (err: unknown) => {
        assert.ok(err instanceof RegctlError);
        assert.equal(err.kind, 'network');
        assert.match(
          err.message,
          /^refusing to follow a redirect from reg\.example to plain-HTTP http:\/\/storage\.example(:\d+)?: plain HTTP is used only for loopback and insecure hosts/,
        );
        return true;
      },
    );
  refuse('http://storage.example/blob');
  refuse('http://storage.example:8080/blob');
  assert.equal(nextHop(hop('https://reg.example/v2/'), 307, 'http://127.0.0.1:9/b', plainOk)?.url.protocol, 'http:');
  assert.equal(nextHop(hop('https://reg.example/v2/'), 307, 'http://localhost:9/b', plainOk)?.url.protocol, 'http:');
  assert.equal(nextHop(hop('https://reg.example/v2/'), 307, 'http://insecure.example:5000/b', plainOk)?.url.host, 'insecure.example:5000');
  assert.throws(() => nextHop(hop('https://reg.example/v2/'), 307, 'file:///etc/passwd', plainOk), /only http and https are followed/);
  assert.throws(() => nextHop(hop('https://reg.example/v2/'), 307, 'http://[bad', plainOk), /invalid Location header/);
});

test('transport: a redirect to a plain-HTTP non-loopback name is refused before any byte goes there', async (t) => {
  const storage = await startScriptedServer((_q, res) => {
    res.end('blob');
  });
  const reg = await startScriptedServer((_q, res) => {
    res.writeHead(307, { location: `http://storage.example.test:${storage.port}/blob` });
    res.end();
  });
  const lookup = fakeLookup({ 'storage.example.test': '127.0.0.1' });
  const strict = createTransport({ userAgent: 't', env: {}, lookup });
  const trusting = createTransport({ userAgent: 't', env: {}, lookup, insecureHosts: ['storage.example.test'] });
  t.after(async () => {
    await strict.close();
    await trusting.close();
    await reg.close();
    await storage.close();
  });

  await assert.rejects(strict.request({ method: 'GET', url: `${reg.url}/v2/a/blobs/x`, headers: { authorization: 'Basic c2VjcmV0' } }), (err: unknown) => {
    assert.ok(err instanceof RegctlError);
    assert.equal(err.exitCode, 5);
    assert.match(err.message, /plain-HTTP http:\/\/storage\.example\.test:\d+/);
    return true;
  });
  assert.equal(storage.requests.length, 0);

  const res = await trusting.request({ method: 'GET', url: `${reg.url}/v2/a/blobs/x`, headers: { authorization: 'Basic c2VjcmV0', cookie: 'session=1' } });
  assert.equal((await readStream(res.body, 1024)).toString(), 'blob');
  assert.equal(res.url, `http://storage.example.test:${storage.port}/blob`, 'the answer says which origin answered');
  assert.equal(storage.requests.length, 1);
  assert.equal(storage.requests[0]?.headers.authorization, undefined);
  assert.equal(storage.requests[0]?.headers.cookie, undefined);
  assert.equal(storage.requests[0]?.headers.host, `storage.example.test:${storage.port}`);
});

test('transport: manual redirects, bodies kept at home, and a redirect loop ends', async (t) => {
  const target = await startScriptedServer((_q, res) => sendJson(res, 200, {}));
  let n = 0;
  const reg = await startScriptedServer((q, res) => {
    if (q.url === '/loop') {
      n++;
      res.writeHead(302, { location: `/loop?${n}` });
      res.end();
      return;
    }
    if (q.url?.startsWith('/loop?')) {
      n++;
      res.writeHead(302, { location: '/loop' });
      res.end();
      return;
    }
    res.writeHead(307, { location: `${target.url}/token` });
    res.end();
  });
  const tr = createTransport({ userAgent: 't', env: {} });
  t.after(async () => {
    await tr.close();
    await reg.close();
    await target.close();
  });

  const manual = await tr.request({ method: 'GET', url: `${reg.url}/token`, redirect: 'manual' });
  manual.body.resume();
  assert.equal(manual.status, 307);
  const post = await tr.request({
    method: 'POST',
    url: `${reg.url}/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'password=hunter2',
  });
  post.body.resume();
  assert.equal(post.status, 307, 'a POST body is not re-sent to another origin: the 307 is handed back');
  assert.equal(target.requests.length, 0);

  await assert.rejects(tr.request({ method: 'GET', url: `${reg.url}/loop` }), /^RegctlError: too many redirects \(more than 5\) from 127\.0\.0\.1:\d+$/);
  assert.equal(n, 6);
});
