import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemeMemory, type Scheme, type SchemeStore } from '../../src/http/scheme-memory.js';
import { createTransport } from '../../src/http/transport.js';
import { readStream } from '../../src/content/read-all.js';
import { startScriptedServer, sendJson } from '../support/scripted-server.js';

async function cacheDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-schemes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('remembers a scheme per host across instances, in <cache>/.regctl/schemes.json', async (t) => {
  const cache = await cacheDir(t);
  const file = join(cache, '.regctl', 'schemes.json');
  const first = new SchemeMemory(file);
  assert.equal(await first.recall('127.0.0.1:5000'), undefined);
  await first.remember('127.0.0.1:5000', 'http');
  await first.remember('LOCALHOST:5001', 'https');
  const second = new SchemeMemory(file);
  assert.equal(await second.recall('127.0.0.1:5000'), 'http');
  assert.equal(await second.recall('localhost:5001'), 'https', 'host names are compared in lower case');
  await second.forget('127.0.0.1:5000');
  assert.equal(await new SchemeMemory(file).recall('127.0.0.1:5000'), undefined);
  assert.deepEqual(Object.keys((JSON.parse(await readFile(file, 'utf8')) as { hosts: object }).hosts), ['localhost:5001']);
});

test('an entry expires; expired entries are dropped when the file is next written', async (t) => {
  const cache = await cacheDir(t);
  const file = join(cache, '.regctl', 'schemes.json');
  let now = 1_000_000;
  const memory = new SchemeMemory(file, { ttlMs: 1000, now: () => now });
  await memory.remember('127.0.0.1:5000', 'http');
  now += 999;
  assert.equal(await memory.recall('127.0.0.1:5000'), 'http');
  now += 1;
  assert.equal(await memory.recall('127.0.0.1:5000'), undefined);
  await memory.remember('127.0.0.1:6000', 'https');
  assert.deepEqual(Object.keys((JSON.parse(await readFile(file, 'utf8')) as { hosts: object }).hosts), ['127.0.0.1:6000']);
});

test('a damaged file is an empty memory, and is replaced by the next write', async (t) => {
  const cache = await cacheDir(t);
  const file = join(cache, '.regctl', 'schemes.json');
  await mkdir(join(cache, '.regctl'));
  for (const text of ['', '{', '[]', '{"hosts":{"h:1":{"scheme":"ftp","at":1}}}', '{"hosts":{"h:1":"http"}}']) {
    await writeFile(file, text);
    const memory = new SchemeMemory(file);
    assert.equal(await memory.recall('h:1'), undefined, text);
    await memory.remember('h:1', 'http');
    assert.equal(await new SchemeMemory(file).recall('h:1'), 'http', text);
  }
});

test('writes nothing where the cache directory does not exist (copy never creates one)', async (t) => {
  const parent = await cacheDir(t);
  const cache = join(parent, 'no-cache-yet');
  const memory = new SchemeMemory(join(cache, '.regctl', 'schemes.json'));
  await memory.remember('127.0.0.1:5000', 'http');
  assert.equal(existsSync(cache), false);
  assert.equal(await memory.recall('127.0.0.1:5000'), 'http', 'still remembered for this run');
});

test('a read-only memory uses the file but never writes it', async (t) => {
  const cache = await cacheDir(t);
  const file = join(cache, '.regctl', 'schemes.json');
  await new SchemeMemory(file).remember('127.0.0.1:5000', 'http');
  const before = await readFile(file, 'utf8');
  const reader = new SchemeMemory(file, { write: false });
  assert.equal(await reader.recall('127.0.0.1:5000'), 'http');
  await reader.remember('127.0.0.1:6000', 'https');
  await reader.forget('127.0.0.1:5000');
  assert.equal(await reader.recall('127.0.0.1:6000'), 'https', 'learnt for this run');
  assert.equal(await readFile(file, 'utf8'), before);
});

/** A SchemeStore in memory that records what the transport asked. */
function fakeStore(initial: Record<string, Scheme> = {}): SchemeStore & { calls: string[]; entries: Map<string, Scheme> } {
  const entries = new Map(Object.entries(initial));
  const calls: string[] = [];
  return {
    calls,
    entries,
    recall: async (host) => {
      calls.push(`recall ${host}`);
      return entries.get(host);
    },
    remember: async (host, scheme) => {
      calls.push(`remember ${host} ${scheme}`);
      entries.set(host, scheme);
    },
    forget: async (host) => {
      calls.push(`forget ${host}`);
      entries.delete(host);
    },
  };
}

test('transport: a remembered http scheme is used without probing; a probed one is remembered', async (t) => {
  const srv = await startScriptedServer((_q, res) => sendJson(res, 200, {}));
  const schemes = fakeStore({ [srv.host]: 'http' });
  const tr = createTransport({ userAgent: 'regctl/test', env: {}, schemes });
  const fresh = fakeStore();
  const probing = createTransport({ userAgent: 'regctl/test', env: {}, schemes: fresh });
  t.after(async () => {
    await tr.close();
    await probing.close();
    await srv.close();
  });
  assert.equal(await tr.baseUrl(srv.host), `http://${srv.host}`);
  assert.deepEqual(schemes.calls, [`recall ${srv.host}`]);
  assert.equal(await probing.baseUrl(srv.host), `http://${srv.host}`);
  assert.deepEqual(fresh.calls, [`recall ${srv.host}`, `remember ${srv.host} http`]);
});

test('transport: the memory is never asked about a host that must use TLS', async () => {
  const schemes = fakeStore({ 'registry.example.com': 'http' });
  const tr = createTransport({ userAgent: 'regctl/test', env: {}, schemes });
  assert.equal(await tr.baseUrl('registry.example.com'), 'https://registry.example.com');
  assert.deepEqual(schemes.calls, []);
  await tr.close();
});

test('transport: a wrong memory (https for a plain-HTTP server) heals: forgotten, probed, the request resent over http', async (t) => {
  const srv = await startScriptedServer((_q, res) => sendJson(res, 200, { ok: 1 }));
  const schemes = fakeStore({ [srv.host]: 'https' });
  const tr = createTransport({ userAgent: 'regctl/test', env: {}, schemes });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const base = await tr.baseUrl(srv.host);
  assert.equal(base, `https://${srv.host}`);
  const res = await tr.request({ method: 'GET', url: `${base}/v2/x` });
  assert.equal(res.status, 200);
  assert.equal(res.url, `http://${srv.host}/v2/x`);
  assert.deepEqual(JSON.parse((await readStream(res.body, 1024)).toString()), { ok: 1 });
  assert.equal(await tr.baseUrl(srv.host), `http://${srv.host}`);
  assert.deepEqual(schemes.calls, [`recall ${srv.host}`, `forget ${srv.host}`, `recall ${srv.host}`, `remember ${srv.host} http`]);
});

test("transport: a remembered http answered by Go's 400 for plain HTTP on a TLS port is probed again", async (t) => {
  // What distribution's TLS listener answers a plain-HTTP request; the probe then finds no TLS
  // either (this server is plain), so the original answer stands and the scheme is learnt again.
  const srv = await startScriptedServer((_q, res) => {
    res.writeHead(400);
    res.end('Client sent an HTTP request to an HTTPS server.\n');
  });
  const schemes = fakeStore({ [srv.host]: 'http' });
  const tr = createTransport({ userAgent: 'regctl/test', env: {}, schemes });
  t.after(async () => {
    await tr.close();
    await srv.close();
  });
  const res = await tr.request({ method: 'GET', url: `${await tr.baseUrl(srv.host)}/v2/` });
  assert.equal(res.status, 400);
  await readStream(res.body, 1024);
  assert.deepEqual(schemes.calls, [`recall ${srv.host}`, `forget ${srv.host}`, `recall ${srv.host}`, `remember ${srv.host} http`]);
  const again = await tr.request({ method: 'GET', url: `http://${srv.host}/v2/` });
  await readStream(again.body, 1024);
  assert.equal(schemes.calls.length, 4, 'a confirmed host is not probed again');
});
