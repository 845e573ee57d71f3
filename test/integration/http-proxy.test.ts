import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, type TransportOptions } from '../../src/http/transport.js';
import { RegctlError } from '../../src/errors.js';
import { createConnector } from '../../src/http/tls-connector.js';
import { proxyConnector } from '../../src/http/proxy-routing.js';
import { proxyRulesFromEnv } from '../../src/http/proxy-env.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer, sendJson, type ScriptedServer } from '../support/scripted-server.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { fakeLookup, FAKE_REGISTRY_NAME } from '../support/fake-lookup.js';
import { generateClientCert, generateTls, type TlsMaterial } from '../support/tls.js';

const NAME = FAKE_REGISTRY_NAME;
const lookup = fakeLookup({ [NAME]: '127.0.0.1' });
const fast = { maxRetries: 1, minTimeout: 5 };

async function body(tr: ReturnType<typeof createTransport>, url: string): Promise<string> {
  const res = await tr.request({ method: 'GET', url });
  return (await readStream(res.body, 1 << 20)).toString();
}

function transport(
  t: { after(fn: () => Promise<void>): void },
  options: Partial<TransportOptions> & { env: NodeJS.ProcessEnv },
): ReturnType<typeof createTransport> {
  const tr = createTransport({ userAgent: 'regctl/test', retry: fast, lookup, certsDirs: [], systemTrust: { env: {}, root: '/nonexistent' }, ...options });
  t.after(() => tr.close());
  return tr;
}

async function setup(t: {
  after(fn: () => Promise<void>): void;
}): Promise<{ tls: TlsMaterial; https: ScriptedServer; http: ScriptedServer; proxy: ConnectProxy; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-proxy-'));
  const tls = await generateTls(dir, [NAME]);
  const https = await startScriptedServer((_q, res) => sendJson(res, 200, { via: 'tls' }), {
    key: await readFile(tls.keyFile, 'utf8'),
    cert: await readFile(tls.certFile, 'utf8'),
  });
  const http = await startScriptedServer((_q, res) => sendJson(res, 200, { via: 'plain' }));
  const proxy = await startConnectProxy({ hosts: { [NAME]: '127.0.0.1' } });
  t.after(async () => {
    await Promise.all([https.close(), http.close(), proxy.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  return { tls, https, http, proxy, dir };
}

test('HTTPS_PROXY: a private-CA registry with a per-host CA is reached through a CONNECT tunnel', async (t) => {
  const { tls, https, proxy } = await setup(t);
  const host = `${NAME}:${https.port}`;
  const tr = transport(t, { env: { HTTPS_PROXY: proxy.url }, perHostCa: (h) => (h === host ? [tls.caFile] : undefined) });
  assert.equal(await body(tr, `https://${host}/v2/`), '{"via":"tls"}');
  assert.deepEqual(
    proxy.log.map((e) => `${e.method} ${e.target} ${e.status}`),
    [`CONNECT ${host} 200`],
  );
  assert.equal(https.requests.length, 1);
});

test('through the proxy, --ca-cert, insecure hosts and client certificates still apply', async (t) => {
  const { tls, https, proxy, dir } = await setup(t);
  const host = `${NAME}:${https.port}`;
  const viaCaCert = transport(t, { env: { HTTPS_PROXY: proxy.url }, caCertFiles: [tls.caFile] });
  assert.equal(await body(viaCaCert, `https://${host}/v2/`), '{"via":"tls"}');
  const insecure = transport(t, { env: { HTTPS_PROXY: proxy.url }, insecureHosts: [host] });
  assert.equal(await body(insecure, `https://${host}/v2/`), '{"via":"tls"}');
  const untrusted = transport(t, { env: { HTTPS_PROXY: proxy.url } });
  await assert.rejects(untrusted.request({ method: 'GET', url: `https://${host}/v2/` }), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'network', String(err));
    assert.match(err.message, new RegExp(`TLS certificate of ${host.replace(/\./g, '\\.')} cannot be verified`));
    return true;
  });
  assert.equal(proxy.log.filter((e) => e.method === 'CONNECT').length, 3, JSON.stringify(proxy.log));

  // Mutual TLS through the tunnel: the server demands a client certificate signed by the test CA.
  const client = await generateClientCert(tls, join(dir, 'client'));
  const mtls = await startScriptedServer((_q, res) => sendJson(res, 200, { via: 'mtls' }), {
    key: await readFile(tls.keyFile, 'utf8'),
    cert: await readFile(tls.certFile, 'utf8'),
    clientCa: await readFile(tls.caFile, 'utf8'),
  });
  t.after(() => mtls.close());
  const mhost = `${NAME}:${mtls.port}`;
  const withCert = transport(t, { env: { HTTPS_PROXY: proxy.url }, caCertFiles: [tls.caFile], perHostClientCert: (h) => (h === mhost ? client : undefined) });
  assert.equal(await body(withCert, `https://${mhost}/v2/`), '{"via":"mtls"}');
  const withoutCert = transport(t, { env: { HTTPS_PROXY: proxy.url }, caCertFiles: [tls.caFile] });
  await assert.rejects(withoutCert.request({ method: 'GET', url: `https://${mhost}/v2/` }), RegctlError);
});

test('HTTP_PROXY forwards plain-http requests in absolute form; loopback and NO_PROXY go direct', async (t) => {
  const { http, proxy } = await setup(t);
  const tr = transport(t, { env: { HTTP_PROXY: proxy.url, NO_PROXY: '' } });
  assert.equal(await body(tr, `http://${NAME}:${http.port}/v2/`), '{"via":"plain"}');
  assert.deepEqual(
    proxy.log.map((e) => `${e.method} ${e.target}`),
    [`GET http://${NAME}:${http.port}/v2/`],
  );
  assert.equal(http.requests[0]?.headers.host, `${NAME}:${http.port}`);

  // Loopback is never proxied, whatever NO_PROXY says (as Go's net/http).
  assert.equal(await body(tr, `http://127.0.0.1:${http.port}/v2/`), '{"via":"plain"}');
  assert.equal(await body(tr, `http://localhost:${http.port}/v2/`), '{"via":"plain"}');
  assert.equal(proxy.log.length, 1, JSON.stringify(proxy.log));

  for (const noProxy of [NAME, `.regctl.test`, `*.regctl.test`, `${NAME}:${http.port}`, 'regctl.test', '*']) {
    const direct = transport(t, { env: { HTTP_PROXY: proxy.url, NO_PROXY: noProxy } });
    assert.equal(await body(direct, `http://${NAME}:${http.port}/v2/`), '{"via":"plain"}', noProxy);
  }
  assert.equal(proxy.log.length, 1, `NO_PROXY entries bypass the proxy: ${JSON.stringify(proxy.log)}`);
  const otherPort = transport(t, { env: { HTTP_PROXY: proxy.url, NO_PROXY: `${NAME}:1` } });
  await body(otherPort, `http://${NAME}:${http.port}/v2/`);
  assert.equal(proxy.log.length, 2, 'a NO_PROXY entry for another port does not bypass');
});

test('https requests use HTTPS_PROXY only; HTTP_PROXY alone leaves them direct (as Go)', async (t) => {
  const { tls, https, proxy } = await setup(t);
  const tr = transport(t, { env: { HTTP_PROXY: proxy.url }, caCertFiles: [tls.caFile] });
  assert.equal(await body(tr, `https://${NAME}:${https.port}/v2/`), '{"via":"tls"}');
  assert.deepEqual(proxy.log, []);
});

test('proxy credentials go to the proxy only, and a refusing proxy is one line naming it', async (t) => {
  const { tls, https } = await setup(t);
  const auth = `Basic ${Buffer.from('pxuser:px-secret').toString('base64')}`;
  const proxy = await startConnectProxy({ hosts: { [NAME]: '127.0.0.1' }, requireAuthorization: auth });
  t.after(() => proxy.close());
  const lines: string[] = [];
  const host = `${NAME}:${https.port}`;
  const good = transport(t, {
    env: { HTTPS_PROXY: `http://pxuser:px-secret@127.0.0.1:${proxy.port}` },
    caCertFiles: [tls.caFile],
    debug: (l) => lines.push(l),
  });
  assert.equal(await body(good, `https://${host}/v2/`), '{"via":"tls"}');
  assert.equal(proxy.log[0]?.proxyAuthorization, auth);
  assert.equal(https.requests[0]?.headers['proxy-authorization'], undefined);
  assert.ok(!lines.join('\n').includes('px-secret'), lines.join('\n'));
  assert.ok(
    lines.some((l) => l.includes(`CONNECT ${host}`)),
    lines.join('\n'),
  );

  const noAuth = transport(t, { env: { HTTPS_PROXY: `127.0.0.1:${proxy.port}` }, caCertFiles: [tls.caFile] });
  await assert.rejects(noAuth.request({ method: 'GET', url: `https://${host}/v2/` }), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'auth', String(err));
    assert.match(err.message, /HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+ requires authentication \(407\)/);
    return true;
  });
  const open = await startConnectProxy();
  t.after(() => open.close());
  const refused = transport(t, { env: { HTTPS_PROXY: open.url }, caCertFiles: [tls.caFile] });
  await assert.rejects(refused.request({ method: 'GET', url: `https://${host}/v2/` }), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'network', String(err));
    assert.match(err.message, new RegExp(`refused CONNECT ${host.replace(/\./g, '\\.')}: 403 Forbidden`));
    assert.ok(!err.message.includes('\n'));
    return true;
  });
  const dead = transport(t, { env: { HTTPS_PROXY: 'http://127.0.0.1:1' } });
  await assert.rejects(
    dead.request({ method: 'GET', url: `https://${host}/v2/` }),
    /cannot reach the proxy HTTPS_PROXY=http:\/\/127\.0\.0\.1:1: connection refused/,
  );
});

test('a bad proxy variable is a usage error naming the variable, never its password', () => {
  assert.throws(
    () => createTransport({ userAgent: 'x', env: { HTTPS_PROXY: 'socks5://u:hunter2@proxy:1080' } }),
    (err: unknown) => {
      assert.ok(err instanceof RegctlError && err.kind === 'usage', String(err));
      assert.match(err.message, /^HTTPS_PROXY=/);
      assert.ok(!err.message.includes('hunter2'), err.message);
      return true;
    },
  );
});

test('an IPv6 registry is tunnelled as CONNECT [addr]:port (undici hands the address over without brackets)', async (t) => {
  const proxy = await startConnectProxy();
  t.after(() => proxy.close());
  const connect = proxyConnector(createConnector({ certsDirs: [] }), proxyRulesFromEnv({ HTTPS_PROXY: proxy.url }));
  const err = await new Promise<Error | null>((resolve) =>
    connect({ hostname: 'fd00::1', host: '[fd00::1]:5000', protocol: 'https:', port: '5000' }, (...args) => resolve(args[0])),
  );
  assert.match(String(err), /refused CONNECT \[fd00::1\]:5000: 403/);
  assert.deepEqual(
    proxy.log.map((e) => e.target),
    ['[fd00::1]:5000'],
  );
});
