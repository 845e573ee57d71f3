import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import type { RandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { skopeoCopy } from '../support/skopeo.js';
import { credEnv, regctl, seedImage, seedIndex, skopeoDigest, THREE_PLATFORMS } from './push-support.js';

describe('regctl tags and digest', { timeout: 90_000 }, () => {
  let a: RunningRegistry;
  let tok: RunningRegistry;
  let image: RandomImage;
  const TAGS = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'];
  const cache = tempDir('regctl-tags-cache-');
  const C = ['--cache-dir', cache.dir];

  before(async () => {
    [a, tok] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'token' })]);
    image = await seedImage(a, 'team/app:v1', { seed: 'tags', layers: 1, layerSize: 1000 });
    for (const t of TAGS.slice(1)) await skopeoCopy(`docker://${a.host}/team/app:v1`, `docker://${a.host}/team/app:${t}`);
    await seedIndex(a, 'team/multi:v1', { seed: 'tags-index', platforms: THREE_PLATFORMS });
    await seedImage(tok, 'alice/private:v1', { seed: 'tags-private', layers: 1, layerSize: 1000 });
  });

  after(async () => {
    await Promise.all([a, tok].map((r) => r?.stop()));
    cache.remove();
  });

  it('lists every tag of a real registry (text and --json)', async () => {
    // distribution 2.8 ignores ?n= (paging came in v3) and lists in storage order: compare as sets.
    const r = await regctl([...C, 'tags', '--page-size', '3', `${a.host}/team/app`]);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), TAGS);
    const json = JSON.parse((await regctl([...C, 'tags', '--json', `${a.host}/team/app`])).stdout) as { name: string; tags: string[] };
    assert.deepEqual({ ...json, tags: [...json.tags].sort() }, { name: `${a.host}/team/app`, tags: TAGS });
  });

  it('tags of a repository with a tag is a usage error; of an unknown one exits 3', async () => {
    await regctl([...C, 'tags', `${a.host}/team/app:v1`], 2);
    await regctl([...C, 'tags', `${a.host}/team/nothing`], 3);
  });

  it('digest equals the registry digest, by HEAD alone', async () => {
    await a.clearAccessLog();
    const r = await regctl([...C, 'digest', `${a.host}/team/app:v3`]);
    assert.equal(r.stdout, `${image.manifest.digest}\n`);
    const log = (await a.accessLog()).filter((e) => /\/manifests\//.test(e.path));
    assert.deepEqual(
      log.map((e) => e.method),
      ['HEAD'],
    );
    assert.equal(r.stdout.trim(), await skopeoDigest(a, 'team/app:v3'));
    const multi = await regctl([...C, 'digest', '--json', `${a.host}/team/multi:v1`]);
    const doc = JSON.parse(multi.stdout) as { digest: string; mediaType: string };
    assert.equal(doc.digest, await skopeoDigest(a, 'team/multi:v1'));
    assert.equal(doc.mediaType, 'application/vnd.oci.image.index.v1+json');
  });

  it('digest of an unknown tag exits 3; of a private repository without credentials exits 4', async () => {
    await regctl([...C, 'digest', `${a.host}/team/app:nope`], 3);
    await regctl([...C, 'digest', `${tok.host}/alice/private:v1`], 4);
    const r = await regctl([...C, 'digest', `${tok.host}/alice/private:v1`], 0, credEnv(tok));
    assert.equal(r.stdout.trim(), await skopeoDigest(tok, 'alice/private:v1'));
    await regctl([...C, 'tags', `${tok.host}/alice/private`], 4);
    assert.equal((await regctl([...C, 'tags', `${tok.host}/alice/private`], 0, credEnv(tok))).stdout, 'v1\n');
  });

  it('writes nothing to the cache', () => {
    assert.equal(existsSync(join(cache.dir, 'index.json')), false);
  });
});

describe('regctl tags pagination (scripted registry with Link headers)', { timeout: 30_000 }, () => {
  const ALL = Array.from({ length: 10 }, (_, i) => `t${String(i).padStart(2, '0')}`);
  let server: ScriptedServer;
  const cache = tempDir('regctl-tags-paging-');

  before(async () => {
    server = await startScriptedServer((_req, res, rec) => {
      const url = new URL(rec.url, 'http://x');
      if (url.pathname === '/v2/') return sendJson(res, 200, {});
      if (url.pathname !== '/v2/team/app/tags/list') return sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
      const n = Number(url.searchParams.get('n') ?? '100');
      const last = url.searchParams.get('last');
      const from = last ? ALL.indexOf(last) + 1 : 0;
      const page = ALL.slice(from, from + n);
      const more = from + n < ALL.length;
      // Alternate relative and absolute Link targets: both are allowed (RFC 8288).
      const target = `/v2/team/app/tags/list?n=${n}&last=${page[page.length - 1]}`;
      const link = from % 2 === 0 ? target : `${server.url}${target}`;
      return sendJson(res, 200, { name: 'team/app', tags: page }, more ? { link: `<${link}>; rel="next"` } : {});
    });
  });
  after(async () => {
    await server.close();
    cache.remove();
  });

  it('follows rel="next" until the last page', async () => {
    const r = await regctl(['--cache-dir', cache.dir, 'tags', '--page-size', '3', `${server.host}/team/app`]);
    assert.deepEqual(r.stdout.trim().split('\n'), ALL);
    const pages = server.requests.filter((q) => q.url.startsWith('/v2/team/app/tags/list'));
    assert.deepEqual(
      pages.map((q) => new URL(q.url, 'http://x').searchParams.get('last')),
      [null, 't02', 't05', 't08'],
    );
  });
});
