import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { skopeoCopy } from '../support/skopeo.js';
import { credEnv, creds, regctl, seedImage } from './push-support.js';

const REPOS = ['a/one', 'a/two', 'b/three', 'c', 'd/e/f'];

describe('regctl catalog against the real registry', { timeout: 90_000 }, () => {
  let reg: RunningRegistry;
  let tok: RunningRegistry;
  const cache = tempDir('regctl-catalog-');
  const C = ['--cache-dir', cache.dir];

  before(async () => {
    [reg, tok] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'token' })]);
    await seedImage(reg, `${REPOS[0]}:v1`, { seed: 'catalog', layers: 1, layerSize: 500 });
    for (const r of REPOS.slice(1)) await skopeoCopy(`docker://${reg.host}/${REPOS[0]}:v1`, `docker://${reg.host}/${r}:v1`);
    await seedImage(tok, 'alice/app:v1', { seed: 'catalog-token', layers: 1, layerSize: 500 });
    await skopeoCopy(`docker://${tok.host}/alice/app:v1`, `docker://${tok.host}/bob/app:v1`, { srcCreds: creds(tok), destCreds: creds(tok) });
  });

  after(async () => {
    await Promise.all([reg, tok].map((r) => r?.stop()));
    cache.remove();
  });

  it('lists every repository, one a line, and as --json', async () => {
    const r = await regctl([...C, 'catalog', reg.host]);
    assert.deepEqual(r.stdout.trim().split('\n'), REPOS);
    const doc = JSON.parse((await regctl([...C, 'catalog', '--json', `http://${reg.host}/`])).stdout) as unknown;
    assert.deepEqual(doc, { registry: reg.host, repositories: REPOS });
  });

  it("-n pages through the registry's own Link headers", async () => {
    await reg.clearAccessLog();
    const r = await regctl([...C, 'catalog', '-n', '2', reg.host]);
    assert.deepEqual(r.stdout.trim().split('\n'), REPOS);
    const pages = (await reg.accessLog()).filter((e) => e.path === '/v2/_catalog' && e.status === 200);
    assert.equal(pages.length, 3, `pages: ${pages.map((p) => p.query).join(' | ')}`);
    assert.match(pages[1]?.query ?? '', /last=a%2Ftwo|last=a\/two/);
  });

  it('token auth: registry:catalog:* with credentials; without them exit 4', async () => {
    await regctl([...C, 'catalog', tok.host], 4);
    tok.token!.clearRequests();
    const r = await regctl([...C, 'catalog', tok.host], 0, credEnv(tok));
    assert.deepEqual(r.stdout.trim().split('\n'), ['alice/app', 'bob/app']);
    assert.ok(tok.token!.requests.some((q) => q.scopes.includes('registry:catalog:*')));
  });

  it('a repository or a malformed host is a usage error', async () => {
    assert.match((await regctl([...C, 'catalog', `${reg.host}/a/one`], 2)).stderr, /not a repository/);
    await regctl([...C, 'catalog', 'bad host'], 2);
  });
});

describe('regctl catalog paging (scripted registry)', { timeout: 30_000 }, () => {
  const ALL = Array.from({ length: 7 }, (_, i) => `team/r${i}`);
  let server: ScriptedServer;
  let elsewhere: ScriptedServer;
  let mode: 'ok' | 'foreign' | 'loop' = 'ok';
  const cache = tempDir('regctl-catalog-paging-');

  before(async () => {
    elsewhere = await startScriptedServer((_req, res) => sendJson(res, 200, { repositories: ['stolen'] }));
    server = await startScriptedServer((_req, res, rec) => {
      const url = new URL(rec.url, 'http://x');
      if (url.pathname === '/v2/') return sendJson(res, 200, {});
      if (url.pathname !== '/v2/_catalog') return sendJson(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
      const n = Number(url.searchParams.get('n') ?? '100');
      const last = url.searchParams.get('last');
      const from = last ? ALL.indexOf(last) + 1 : 0;
      const page = ALL.slice(from, from + n);
      const target = `/v2/_catalog?n=${n}&last=${encodeURIComponent(page[page.length - 1] ?? '')}`;
      let link: string | undefined;
      if (from + n < ALL.length) {
        // Relative and absolute targets alternate: both are allowed (RFC 8288).
        link = from % 2 === 0 ? target : `${server.url}${target}`;
        if (mode === 'foreign' && from > 0) link = `${elsewhere.url}${target}`;
        if (mode === 'loop' && from > 0) link = `/v2/_catalog?n=${n}`;
      }
      return sendJson(res, 200, { repositories: page }, link ? { link: `<${link}>; rel="next"` } : {});
    });
  });
  after(async () => {
    await Promise.all([server.close(), elsewhere.close()]);
    cache.remove();
  });

  it('follows rel="next" to the last page', async () => {
    mode = 'ok';
    const r = await regctl(['--cache-dir', cache.dir, 'catalog', '-n', '2', server.host]);
    assert.deepEqual(r.stdout.trim().split('\n'), ALL);
    const pages = server.requests.filter((q) => q.url.startsWith('/v2/_catalog'));
    assert.deepEqual(
      pages.map((q) => new URL(q.url, 'http://x').searchParams.get('last')),
      [null, 'team/r1', 'team/r3', 'team/r5'],
    );
  });

  it('refuses a Link to another host (exit 1), which never sees a request', async () => {
    mode = 'foreign';
    const r = await regctl(['--cache-dir', cache.dir, 'catalog', '-n', '2', server.host], 1);
    assert.match(r.stderr, new RegExp(`Link header pointing at another host \\(${elsewhere.host.replace('.', '\\.')}\\)`));
    assert.equal(elsewhere.requests.length, 0);
    // Pages print as they come: the first page was printed; the page whose Link was refused, and anything from the other host, were not.
    assert.equal(r.stdout, 'team/r0\nteam/r1\n');
  });

  it('stops at a Link back to a page already read (exit 1)', async () => {
    mode = 'loop';
    server.requests.length = 0;
    const r = await regctl(['--cache-dir', cache.dir, 'catalog', '-n', '2', server.host], 1);
    assert.match(r.stderr, /loops back to a page already read \(\/v2\/_catalog\?n=2\)/);
    assert.equal(server.requests.filter((q) => q.url.startsWith('/v2/_catalog')).length, 2);
  });
});
