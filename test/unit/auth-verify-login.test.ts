import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { verifyLogin } from '../../src/auth/verify-login.js';
import { RegctlError } from '../../src/errors.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { sendJson, startScriptedServer, type RecordedRequest, type ScriptHandler, type ScriptedServer } from '../support/scripted-server.js';

const GOOD = { username: 'alice', password: 'pw' };
const BAD = { username: 'alice', password: 'nope' };
const basic = (c: { username: string; password: string }): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

async function serve(t: TestContext, handler: ScriptHandler): Promise<{ srv: ScriptedServer; tr: Transport }> {
  const srv = await startScriptedServer(handler);
  const tr = createTransport({ userAgent: 'regctl/test', retry: { minTimeout: 5 }, env: {} });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  return { srv, tr };
}

function failsWith(kind: string, exitCode: number, message: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, kind);
    assert.equal(err.exitCode, exitCode);
    assert.equal(err.message, message);
    return true;
  };
}

const unauthorized = (res: ServerResponse, challenge: string): void =>
  sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'WWW-Authenticate': challenge });

test('a registry that asks for nothing: the credentials are unchecked', async (t) => {
  const { srv, tr } = await serve(t, (_q, res) => sendJson(res, 200, {}));
  assert.deepEqual(await verifyLogin(tr, srv.host, GOOD), { unchecked: true });
});

test('something that is not a registry is a failure naming the answer', async (t) => {
  const { srv, tr } = await serve(t, (_q, res) => sendJson(res, 404, {}));
  await assert.rejects(verifyLogin(tr, srv.host, GOOD), failsWith('failed', 1, `${srv.host} answered HTTP 404 to GET /v2/; is it a registry?`));
});

test('Basic: the right password passes, a wrong one is refused (exit 4)', async (t) => {
  const { srv, tr } = await serve(t, (_q, res, rec) =>
    rec.headers.authorization === basic(GOOD) ? sendJson(res, 200, {}) : unauthorized(res, 'Basic realm="reg"'),
  );
  assert.deepEqual(await verifyLogin(tr, srv.host, GOOD), {});
  assert.equal(srv.requests.at(-1)?.headers.authorization, basic(GOOD));
  await assert.rejects(
    verifyLogin(tr, srv.host, BAD),
    failsWith('auth', 4, `login to ${srv.host} failed: the registry rejected the username or password; nothing was stored`),
  );
});

/** A registry whose token endpoint (/token on the same server) issues a refresh token to alice. */
function bearerRegistry(self: () => string, o: { refresh?: boolean; refuseTokens?: boolean } = {}): ScriptHandler {
  return (_q, res, rec) => {
    const u = new URL(rec.url, 'http://x');
    if (u.pathname === '/token') {
      if (rec.headers.authorization !== basic(GOOD)) return sendJson(res, 401, {});
      return sendJson(res, 200, {
        token: 'tok-1',
        expires_in: 300,
        ...(o.refresh && u.searchParams.get('offline_token') === 'true' ? { refresh_token: 'rt-1' } : {}),
      });
    }
    if (rec.headers.authorization === 'Bearer tok-1' && !o.refuseTokens) return sendJson(res, 200, {});
    return unauthorized(res, `Bearer realm="${self()}/token",service="fake"`);
  };
}

test('Bearer: a refresh token issued for the login is returned to be stored instead of the password', async (t) => {
  let url = '';
  const { srv, tr } = await serve(
    t,
    bearerRegistry(() => url, { refresh: true }),
  );
  url = srv.url;
  assert.deepEqual(await verifyLogin(tr, srv.host, GOOD), { identityToken: 'rt-1' });
  const token = srv.requests.find((r) => r.url.startsWith('/token'));
  assert.equal(new URL(token?.url ?? '', 'http://x').searchParams.get('service'), 'fake');
  assert.equal(srv.requests.at(-1)?.headers.authorization, 'Bearer tok-1');
});

test('Bearer: no refresh token means the password is stored; a wrong password or a refused token is exit 4', async (t) => {
  let url = '';
  const { srv, tr } = await serve(
    t,
    bearerRegistry(() => url),
  );
  url = srv.url;
  assert.deepEqual(await verifyLogin(tr, srv.host, GOOD), {});
  const refused = failsWith('auth', 4, `login to ${srv.host} failed: the registry rejected the username or password; nothing was stored`);
  await assert.rejects(verifyLogin(tr, srv.host, BAD), refused);

  let url2 = '';
  const other = await serve(
    t,
    bearerRegistry(() => url2, { refuseTokens: true }),
  );
  url2 = other.srv.url;
  await assert.rejects(
    verifyLogin(other.tr, other.srv.host, GOOD),
    failsWith('auth', 4, `login to ${other.srv.host} failed: the registry rejected the username or password; nothing was stored`),
  );
});

test('an authentication scheme regctl does not speak is exit 4, and nothing is sent', async (t) => {
  const { srv, tr } = await serve(t, (_q, res) => unauthorized(res, 'Negotiate'));
  await assert.rejects(
    verifyLogin(tr, srv.host, GOOD),
    failsWith('auth', 4, `login to ${srv.host} failed: the registry asks for an authentication scheme regctl does not support`),
  );
  assert.ok(srv.requests.every((r: RecordedRequest) => r.headers.authorization === undefined));
});

test('a /v2/ redirected to another host that asks for authentication gets no credentials', async (t) => {
  const elsewhere = await serve(t, (_q, res) => unauthorized(res, 'Basic realm="elsewhere"'));
  const { srv, tr } = await serve(t, (_q, res) => {
    res.writeHead(307, { location: `${elsewhere.srv.url}/v2/` });
    res.end();
  });
  await assert.rejects(
    verifyLogin(tr, srv.host, GOOD),
    failsWith(
      'auth',
      4,
      `login to ${srv.host} failed: GET /v2/ was redirected to ${elsewhere.srv.host}, which asked for authentication; regctl sends no credentials there`,
    ),
  );
  for (const r of [...srv.requests, ...elsewhere.srv.requests]) assert.equal(r.headers.authorization, undefined);
});
