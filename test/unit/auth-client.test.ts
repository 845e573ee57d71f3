import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthClient } from '../../src/auth/client.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import type { Credential } from '../../src/credentials/types.js';
import { RegctlError } from '../../src/errors.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer, sendJson, type RecordedRequest, type ScriptedServer } from '../support/scripted-server.js';

interface FakeOptions {
  /** Token endpoint refuses GET with 405 (OAuth2 POST only). */
  postOnly?: boolean;
  expiresIn?: number;
  /** Actions the token server grants; default whatever was asked. */
  grantActions?: string[];
  /** Registry refuses every token. */
  rejectTokens?: boolean;
  /** Answer 403 to authorized requests. */
  forbid?: boolean;
}

interface Fake {
  srv: ScriptedServer;
  tokenRequests: () => RecordedRequest[];
  registryRequests: () => RecordedRequest[];
}

const USERS: Record<string, string> = { alice: 'pw' };

/** A registry with a token endpoint at /token on the same scripted server. */
async function bearerRegistry(o: FakeOptions = {}): Promise<Fake> {
  const tokens = new Map<string, string[]>();
  let n = 0;
  let self = '';
  const grant = (res: ServerResponse, scopes: string[]) => {
    const token = `tok-${++n}`;
    const granted = scopes.map((s) => (o.grantActions ? `${s.slice(0, s.lastIndexOf(':'))}:${o.grantActions.join(',')}` : s));
    tokens.set(token, granted);
    sendJson(res, 200, { token, expires_in: o.expiresIn ?? 300 });
  };
  const srv = await startScriptedServer((req: IncomingMessage, res, rec) => {
    const u = new URL(rec.url, 'http://x');
    if (u.pathname === '/token') {
      if (req.method === 'GET') {
        if (o.postOnly) return sendJson(res, 405, {});
        const auth = rec.headers.authorization;
        if (auth) {
          const [user, pass] = Buffer.from(String(auth).slice(6), 'base64').toString().split(':');
          if (USERS[user!] !== pass) return sendJson(res, 401, {});
        }
        return grant(res, u.searchParams.getAll('scope'));
      }
      const form = new URLSearchParams(rec.body.toString());
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'rt-1') return grant(res, scopes);
      if (form.get('grant_type') === 'password' && USERS[form.get('username') ?? ''] === form.get('password')) return grant(res, scopes);
      return sendJson(res, 401, {});
    }
    const m = /^\/v2\/(.+?)\/(manifests|blobs)\//.exec(u.pathname);
    const repo = m?.[1] ?? '';
    const need = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
    const scope = `repository:${repo}:${need === 'pull' ? 'pull' : 'pull,push'}`;
    const challenge = `Bearer realm="${self}/token",service="fake"${m ? `,scope="${scope}"` : ''}`;
    const auth = String(rec.headers.authorization ?? '');
    const granted = auth.startsWith('Bearer ') && !o.rejectTokens ? tokens.get(auth.slice(7)) : undefined;
    if (!granted) return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'WWW-Authenticate': challenge });
    if (
      m &&
      !granted.some(
        (g) =>
          g.startsWith(`repository:${repo}:`) &&
          g
            .slice(g.lastIndexOf(':') + 1)
            .split(',')
            .includes(need),
      )
    ) {
      return sendJson(res, 401, {}, { 'WWW-Authenticate': `${challenge},error="insufficient_scope"` });
    }
    if (o.forbid) return sendJson(res, 403, { errors: [{ code: 'DENIED', message: 'repository is locked' }] });
    return sendJson(res, req.method === 'PUT' ? 201 : 200, { ok: true, got: rec.body.length });
  });
  self = srv.url;
  return {
    srv,
    tokenRequests: () => srv.requests.filter((r) => r.url.startsWith('/token')),
    registryRequests: () => srv.requests.filter((r) => r.url.startsWith('/v2/')),
  };
}

function setup(
  t: { after: (fn: () => Promise<void>) => void },
  srvs: ScriptedServer[],
  cred?: Credential,
  now?: () => number,
): { tr: Transport; client: AuthClient } {
  const tr = createTransport({ userAgent: 'regctl/test', retry: { minTimeout: 5 }, env: {} });
  const client = new AuthClient({ transport: tr, credentials: async () => cred, now });
  t.after(async () => {
    await tr.close();
    for (const s of srvs) await s.close();
  });
  return { tr, client };
}

async function ok(client: AuthClient, req: Parameters<AuthClient['request']>[0]): Promise<number> {
  const res = await client.request(req);
  await readStream(res.body, 1 << 20);
  return res.status;
}

function expectAuthError(re: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, 'auth');
    assert.equal(err.exitCode, 4);
    assert.match(err.message, re);
    return true;
  };
}

test('Basic flow: 401 → resend with Basic; later requests send it at once; no credentials → auth error', async (t) => {
  const srv = await startScriptedServer((_q, res, rec) =>
    rec.headers.authorization === `Basic ${Buffer.from('alice:pw').toString('base64')}`
      ? sendJson(res, 200, {})
      : sendJson(res, 401, {}, { 'WWW-Authenticate': 'Basic realm="Registry Realm"' }),
  );
  const { client } = setup(t, [srv], { username: 'alice', password: 'pw' });
  assert.equal(await ok(client, { method: 'GET', url: `${srv.url}/v2/a/manifests/x` }), 200);
  assert.equal(await ok(client, { method: 'GET', url: `${srv.url}/v2/a/manifests/y` }), 200);
  assert.deepEqual(
    srv.requests.map((r) => Boolean(r.headers.authorization)),
    [false, true, true],
  );

  const tr2 = createTransport({ userAgent: 'x', env: {} });
  const anon = new AuthClient({ transport: tr2, credentials: async () => undefined });
  await assert.rejects(
    anon.request({ method: 'GET', url: `${srv.url}/v2/a/manifests/x` }),
    expectAuthError(new RegExp(`^authentication required for ${srv.host}/a: no credentials`)),
  );
  await tr2.close();
});

test('Bearer GET flow with Basic credentials at the token endpoint; the token is reused', async (t) => {
  const fake = await bearerRegistry();
  const { client } = setup(t, [fake.srv], { username: 'alice', password: 'pw' });
  assert.equal(await ok(client, { method: 'GET', url: `${fake.srv.url}/v2/lib/app/manifests/v1` }), 200);
  assert.equal(await ok(client, { method: 'HEAD', url: `${fake.srv.url}/v2/lib/app/blobs/sha256:1` }), 200);
  const toks = fake.tokenRequests();
  assert.equal(toks.length, 1);
  const q = new URL(toks[0]!.url, 'http://x').searchParams;
  assert.equal(q.get('service'), 'fake');
  assert.deepEqual(q.getAll('scope'), ['repository:lib/app:pull']);
  assert.equal(toks[0]!.headers.authorization, `Basic ${Buffer.from('alice:pw').toString('base64')}`);
  assert.deepEqual(
    fake.registryRequests().map((r) => r.headers.authorization),
    [undefined, 'Bearer tok-1', 'Bearer tok-1'],
  );
});

test('Bearer with an identity token uses the OAuth2 POST refresh_token form', async (t) => {
  const fake = await bearerRegistry();
  const { client } = setup(t, [fake.srv], { username: '<token>', identityToken: 'rt-1' });
  assert.equal(await ok(client, { method: 'GET', url: `${fake.srv.url}/v2/a/manifests/v1` }), 200);
  const [tok] = fake.tokenRequests();
  assert.equal(tok?.method, 'POST');
  const form = new URLSearchParams(tok!.body.toString());
  assert.equal(form.get('grant_type'), 'refresh_token');
  assert.equal(form.get('refresh_token'), 'rt-1');
  assert.equal(form.get('client_id'), 'regctl');
  assert.equal(form.get('service'), 'fake');
  assert.equal(form.get('scope'), 'repository:a:pull');
});

test('a POST-only token endpoint (405 on GET) gets the password grant', async (t) => {
  const fake = await bearerRegistry({ postOnly: true });
  const { client } = setup(t, [fake.srv], { username: 'alice', password: 'pw' });
  assert.equal(await ok(client, { method: 'GET', url: `${fake.srv.url}/v2/a/manifests/v1` }), 200);
  const toks = fake.tokenRequests();
  assert.deepEqual(
    toks.map((r) => r.method),
    ['GET', 'POST'],
  );
  assert.equal(new URLSearchParams(toks[1]!.body.toString()).get('grant_type'), 'password');
});

test('five parallel requests share one token request', async (t) => {
  const fake = await bearerRegistry();
  const { client } = setup(t, [fake.srv]);
  const statuses = await Promise.all([1, 2, 3, 4, 5].map((i) => ok(client, { method: 'GET', url: `${fake.srv.url}/v2/p/blobs/sha256:${i}` })));
  assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
  assert.equal(fake.tokenRequests().length, 1);
});

test('a token is renewed after expires_in', async (t) => {
  const fake = await bearerRegistry({ expiresIn: 60 });
  let clock = 1_000_000;
  const { client } = setup(t, [fake.srv], undefined, () => clock);
  await ok(client, { method: 'GET', url: `${fake.srv.url}/v2/a/manifests/1` });
  clock += 30_000;
  await ok(client, { method: 'GET', url: `${fake.srv.url}/v2/a/manifests/2` });
  assert.equal(fake.tokenRequests().length, 1);
  clock += 31_000;
  await ok(client, { method: 'GET', url: `${fake.srv.url}/v2/a/manifests/3` });
  assert.equal(fake.tokenRequests().length, 2);
  assert.equal(fake.registryRequests().at(-1)?.headers.authorization, 'Bearer tok-2');
});

test('insufficient_scope is an auth error (exit 4) naming the repository', async (t) => {
  const fake = await bearerRegistry({ grantActions: ['pull'] });
  const { client } = setup(t, [fake.srv]);
  await assert.rejects(
    client.request({ method: 'PUT', url: `${fake.srv.url}/v2/team/app/manifests/v1`, body: '{}' }),
    expectAuthError(new RegExp(`^access to ${fake.srv.host}/team/app denied: insufficient scope`)),
  );
});

test('a token the registry refuses is an auth error after one resend', async (t) => {
  const fake = await bearerRegistry({ rejectTokens: true });
  const { client } = setup(t, [fake.srv]);
  await assert.rejects(
    client.request({ method: 'GET', url: `${fake.srv.url}/v2/a/manifests/v1` }),
    expectAuthError(new RegExp(`^authentication required for ${fake.srv.host}/a: `)),
  );
  assert.equal(fake.registryRequests().length, 2);
});

test('403 is an auth error "access denied" with the registry message', async (t) => {
  const fake = await bearerRegistry({ forbid: true });
  const { client } = setup(t, [fake.srv]);
  await assert.rejects(
    client.request({ method: 'GET', url: `${fake.srv.url}/v2/a/manifests/v1` }),
    expectAuthError(/^access denied to .*\/a: repository is locked$/),
  );
});

test('wrong password at the token endpoint is an auth error that does not echo it', async (t) => {
  const fake = await bearerRegistry();
  const { client } = setup(t, [fake.srv], { username: 'alice', password: 'WRONG-secret' });
  await assert.rejects(client.request({ method: 'GET', url: `${fake.srv.url}/v2/a/manifests/v1` }), (err: unknown) => {
    expectAuthError(/^authentication failed for .*: the stored credentials were rejected$/)(err);
    assert.ok(!(err as Error).message.includes('WRONG-secret'));
    return true;
  });
});

test('a streamed body is sent exactly once: auth is prepared before it goes out', async (t) => {
  const fake = await bearerRegistry();
  const { client } = setup(t, [fake.srv], { username: 'alice', password: 'pw' });
  let reads = 0;
  const body = Readable.from(
    (function* () {
      reads++;
      yield Buffer.from('layer-bytes');
    })(),
  );
  const res = await client.request({
    method: 'PUT',
    url: `${fake.srv.url}/v2/up/blobs/uploads/1?digest=sha256:0`,
    headers: { 'content-type': 'application/octet-stream' },
    body,
    scopes: ['repository:other:pull'],
  });
  assert.equal(res.status, 201);
  assert.equal(JSON.parse((await readStream(res.body, 1 << 20)).toString()).got, 11);
  assert.equal(reads, 1);
  const puts = fake.registryRequests().filter((r) => r.method === 'PUT');
  assert.equal(puts.length, 1, 'the PUT went out once');
  assert.equal(puts[0]?.headers.authorization, 'Bearer tok-1');
  assert.deepEqual(new URL(fake.tokenRequests()[0]!.url, 'http://x').searchParams.getAll('scope'), ['repository:other:pull', 'repository:up:pull,push']);

  // prepare() with hints makes a later pull-only request reuse the push token.
  await client.prepare(fake.srv.host, ['repository:up:pull,push']);
  assert.equal(await ok(client, { method: 'HEAD', url: `${fake.srv.url}/v2/up/blobs/sha256:0` }), 200);
  assert.equal(fake.tokenRequests().length, 1);
});

test('a registry without auth answers directly and a streamed body still goes once', async (t) => {
  const srv = await startScriptedServer((_q, res, rec) => sendJson(res, 201, { got: rec.body.length }));
  const { client } = setup(t, [srv]);
  const res = await client.request({ method: 'PUT', url: `${srv.url}/v2/a/blobs/uploads/1`, body: Readable.from([Buffer.from('abc')]) });
  assert.equal(res.status, 201);
  res.body.resume();
  assert.deepEqual(
    srv.requests.map((r) => `${r.method} ${r.url}`),
    ['GET /v2/', 'PUT /v2/a/blobs/uploads/1'],
  );
});
