import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRealmAllowed, fetchToken } from '../../src/auth/token-fetch.js';
import { AuthClient } from '../../src/auth/client.js';
import { createTransport } from '../../src/http/transport.js';
import { isLoopbackHost } from '../../src/http/scheme.js';
import { RegctlError } from '../../src/errors.js';
import { startScriptedServer, sendJson } from '../support/scripted-server.js';

const insecure = ['insecure.example', 'auth.corp:8080'];
const plainOk = (h: string): boolean => isLoopbackHost(h) || insecure.includes(h) || insecure.includes(h.replace(/:\d+$/, ''));

test('token realm decision: HTTPS anywhere; plain HTTP only to loopback or insecure hosts', () => {
  const table: Array<[string, boolean, 'ok' | 'refused']> = [
    // [realm, with credentials, outcome]
    ['https://auth.example.com/token', true, 'ok'],
    ['https://auth.example.com:8443/token', true, 'ok'],
    ['https://auth.example.com/token', false, 'ok'],
    ['http://127.0.0.1:5001/token', true, 'ok'],
    ['http://localhost:5001/token', true, 'ok'],
    ['http://[::1]:5001/token', true, 'ok'],
    ['http://insecure.example/token', true, 'ok'],
    ['http://insecure.example:9000/token', true, 'ok'],
    ['http://auth.corp:8080/token', true, 'ok'],
    ['http://auth.corp:8081/token', true, 'refused'],
    ['http://auth.example.com/token', true, 'refused'],
    ['http://10.0.0.5:5001/token', true, 'refused'],
    ['http://auth.example.com/token', false, 'refused'],
  ];
  for (const [realm, withCreds, outcome] of table) {
    const check = () => assertRealmAllowed(realm, 'registry.example.com', plainOk, withCreds);
    if (outcome === 'ok') {
      assert.doesNotThrow(check, realm);
      continue;
    }
    assert.throws(
      check,
      (err: unknown) => {
        assert.ok(err instanceof RegctlError, realm);
        assert.equal(err.exitCode, 5, realm);
        const host = new URL(realm).host;
        assert.equal(
          err.message,
          `refusing to send ${withCreds ? 'the credentials for registry.example.com' : 'a token request for registry.example.com'} to token realm http://${host}/token over plain HTTP: ${host} is not loopback or an insecure registry (--insecure-registry ${host} if you trust the network)`,
        );
        return true;
      },
      realm,
    );
  }
  assert.throws(() => assertRealmAllowed('ftp://auth.example.com/token', 'r', plainOk, true), /neither https nor http/);
  assert.throws(
    () => assertRealmAllowed('not a url', 'r', plainOk, false),
    (err: unknown) => err instanceof RegctlError && err.exitCode === 4,
  );
});

test('fetchToken refuses a plain-HTTP realm elsewhere before sending anything, and does not follow a 3xx', async (t) => {
  let hits = 0;
  const srv = await startScriptedServer((_q, res) => {
    hits++;
    res.writeHead(307, { location: 'https://elsewhere.example/token' });
    res.end();
  });
  const tr = createTransport({ userAgent: 't', env: {} });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const base = { registry: 'registry.example.com', scopes: ['repository:a:pull'], clientId: 'regctl', credential: { username: 'u', password: 'pw' } };
  await assert.rejects(fetchToken(tr, { ...base, realm: 'http://auth.example.com/token' }), /over plain HTTP/);
  await assert.rejects(fetchToken(tr, { ...base, realm: `${srv.url}/token` }), (err: unknown) => {
    assert.ok(err instanceof RegctlError);
    assert.equal(err.exitCode, 4);
    assert.equal(
      err.message,
      `token request for registry.example.com (token server ${srv.host}) was redirected to elsewhere.example (HTTP 307); regctl does not follow redirects of token requests`,
    );
    return true;
  });
  assert.equal(hits, 1);
});

test("a challenge from a host /v2/ was redirected to is not the registry's: no credential is looked up for it", async (t) => {
  const storage = await startScriptedServer((_q, res) => sendJson(res, 401, {}, { 'WWW-Authenticate': 'Basic realm="storage"' }));
  const reg = await startScriptedServer((q, res) => {
    if (q.url === '/v2/') {
      res.writeHead(307, { location: `http://localhost:${storage.port}/v2/` });
      res.end();
      return;
    }
    sendJson(res, 201, {});
  });
  const tr = createTransport({ userAgent: 't', env: {} });
  const asked: string[] = [];
  const client = new AuthClient({
    transport: tr,
    credentials: async (host, repo) => {
      asked.push(`${host} ${repo}`);
      return { username: 'u', password: 'pw' };
    },
  });
  t.after(async () => {
    await tr.close();
    await reg.close();
    await storage.close();
  });
  await client.prepare(reg.host, ['repository:team/app:pull,push']);
  const res = await client.request({ method: 'PUT', url: `${reg.url}/v2/team/app/manifests/v1`, body: '{}' });
  res.body.resume();
  assert.equal(res.status, 201);
  assert.deepEqual(asked, []);
  assert.ok(reg.requests.every((r) => !r.headers.authorization));
  assert.ok(storage.requests.every((r) => !r.headers.authorization));
});
