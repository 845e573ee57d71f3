import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import type { RandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { skopeo, skopeoCopy, skopeoInspect, skopeoTlsFor } from '../support/skopeo.js';
import { credEnv, creds, regctl, seedImage, skopeoDigest } from './push-support.js';

interface DeleteDoc {
  reference: string;
  registry: string;
  repository: string;
  tag: string | null;
  digest: string;
  deleted: string;
  method: string;
}

/** skopeo's answer for a tag: its digest, or null when the registry does not know it. */
async function digestOrNull(reg: RunningRegistry, repoTag: string): Promise<string | null> {
  const auth = reg.mode === 'token' ? { creds: creds(reg) } : {};
  const r = await skopeoInspect(`docker://${reg.host}/${repoTag}`, { tls: skopeoTlsFor(reg), check: false, ...auth });
  return r.code === 0 ? (r.json as { Digest: string }).Digest : null;
}

async function skopeoTags(reg: RunningRegistry, repo: string): Promise<string[]> {
  const r = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/${repo}`], { check: true });
  return ((JSON.parse(r.stdout) as { Tags: string[] | null }).Tags ?? []).sort();
}

describe('regctl delete against the real registry', { timeout: 120_000 }, () => {
  let reg: RunningRegistry;
  let off: RunningRegistry;
  let tok: RunningRegistry;
  let image: RandomImage;
  const cache = tempDir('regctl-delete-');
  const C = ['--cache-dir', cache.dir];

  before(async () => {
    [reg, off, tok] = await Promise.all([
      startRegistry({ mode: 'open' }),
      startRegistry({ mode: 'open', deleteEnabled: false }),
      startRegistry({ mode: 'token' }),
    ]);
    image = await seedImage(reg, 'team/app:v1', { seed: 'delete', layers: 1, layerSize: 2000 });
    for (const t of ['v2', 'v3', 'v4']) await skopeoCopy(`docker://${reg.host}/team/app:v1`, `docker://${reg.host}/team/app:${t}`);
    await seedImage(off, 'team/app:v1', { seed: 'delete-off', layers: 1, layerSize: 1000 });
    await seedImage(tok, 'alice/app:v1', { seed: 'delete-token', layers: 1, layerSize: 1000 });
    await skopeoCopy(`docker://${tok.host}/alice/app:v1`, `docker://${tok.host}/alice/app:v2`, { srcCreds: creds(tok), destCreds: creds(tok) });
  });

  after(async () => {
    await Promise.all([reg, off, tok].map((r) => r?.stop()));
    cache.remove();
  });

  it('a tag removes only that tag: the other tags of the same manifest keep working (skopeo)', async () => {
    await reg.clearAccessLog();
    const r = await regctl([...C, 'delete', `${reg.host}/team/app:v1`]);
    assert.equal(r.stdout, `Untagged: ${reg.host}/team/app:v1\n`);
    assert.equal(await digestOrNull(reg, 'team/app:v1'), null);
    assert.equal(await digestOrNull(reg, 'team/app:v2'), image.manifest.digest);
    assert.equal(await digestOrNull(reg, 'team/app:v3'), image.manifest.digest);
    assert.deepEqual(await skopeoTags(reg, 'team/app'), ['v2', 'v3', 'v4']);
    const deletes = (await reg.accessLog()).filter((e) => e.method === 'DELETE');
    // distribution 2.8 has no tag deletion (it answers 400 DIGEST_INVALID): the throw-away manifest goes instead.
    assert.equal(deletes[0]?.path, '/v2/team/app/manifests/v1');
    assert.equal(deletes[0]?.status, 400);
    assert.ok(
      deletes.every((e) => !e.path.includes(image.manifest.digest)),
      `the shared manifest is never deleted: ${deletes.map((e) => e.path).join(' ')}`,
    );
    assert.equal(deletes.at(-1)?.status, 202);
  });

  it('--json says which manifest the tag named and how it went; -q prints nothing', async () => {
    const doc = JSON.parse((await regctl([...C, 'delete', '--json', `${reg.host}/team/app:v2`])).stdout) as DeleteDoc;
    assert.deepEqual(doc, {
      reference: `${reg.host}/team/app:v2`,
      registry: reg.host,
      repository: 'team/app',
      tag: 'v2',
      digest: image.manifest.digest,
      deleted: 'tag',
      method: 'placeholder',
    });
    const q = await regctl([...C, '-q', 'delete', `${reg.host}/team/app:v3`]);
    assert.equal(q.stdout, '');
    assert.deepEqual(await skopeoTags(reg, 'team/app'), ['v4']);
    assert.equal(await digestOrNull(reg, 'team/app:v4'), image.manifest.digest);
  });

  it('a digest removes the manifest (and the tags on it); deleting it again exits 3', async () => {
    const other = await seedImage(reg, 'team/other:v1', { seed: 'delete-other', layers: 1, layerSize: 500 });
    const ref = `${reg.host}/team/other@${other.manifest.digest}`;
    const doc = JSON.parse((await regctl([...C, 'delete', '--json', ref])).stdout) as DeleteDoc;
    assert.equal(doc.deleted, 'manifest');
    assert.equal(doc.method, 'manifest-delete');
    assert.equal(await digestOrNull(reg, `team/other@${other.manifest.digest}`), null);
    assert.equal(await digestOrNull(reg, 'team/other:v1'), null);
    const again = await regctl([...C, 'delete', ref], 3);
    assert.match(again.stderr, /not found/);
    assert.match(again.stderr, new RegExp(`team/other@${other.manifest.digest}`));
  });

  it('a missing tag or repository exits 3; no tag and no digest is a usage error', async () => {
    const r = await regctl([...C, 'delete', `${reg.host}/team/app:nope`], 3);
    assert.match(r.stderr, new RegExp(`${reg.host}/team/app:nope`));
    await regctl([...C, 'delete', `${reg.host}/team/nothing:v1`], 3);
    const u = await regctl([...C, 'delete', `${reg.host}/team/app`], 2);
    assert.match(u.stderr, /delete needs a tag or a digest/);
    await regctl([...C, 'delete', 'Bad/Name:v1'], 2);
  });

  it('a registry with deletion disabled: exit 1 saying so, and the tag still works', async () => {
    const before = await skopeoDigest(off, 'team/app:v1');
    const r = await regctl([...C, 'delete', `${off.host}/team/app:v1`], 1);
    assert.match(r.stderr, new RegExp(`deletion is disabled on registry ${off.host}`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(await skopeoDigest(off, 'team/app:v1'), before);
    const d = await regctl([...C, 'delete', `${off.host}/team/app@${before}`], 1);
    assert.match(d.stderr, /deletion is disabled/);
    assert.equal(await skopeoDigest(off, 'team/app:v1'), before);
  });

  it('token auth: DELETE asks for the delete action; without credentials exit 4', async () => {
    await regctl([...C, 'delete', `${tok.host}/alice/app:v1`], 4);
    tok.token!.clearRequests();
    await regctl([...C, 'delete', `${tok.host}/alice/app:v1`], 0, credEnv(tok));
    const asked = tok.token!.requests.flatMap((q) => q.scopes);
    assert.ok(
      asked.some((s) => /^repository:alice\/app:.*delete/.test(s)),
      `scopes asked: ${asked.join(' ')}`,
    );
    assert.equal(await digestOrNull(tok, 'alice/app:v1'), null);
    assert.notEqual(await digestOrNull(tok, 'alice/app:v2'), null);
  });
});

describe('regctl delete with OCI 1.1 tag deletion (scripted registry)', { timeout: 30_000 }, () => {
  let server: ScriptedServer;
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  const cache = tempDir('regctl-delete-oci11-');

  before(async () => {
    server = await startScriptedServer((_req, res, rec) => {
      const path = new URL(rec.url, 'http://x').pathname;
      if (path === '/v2/') return sendJson(res, 200, {});
      if (rec.method === 'HEAD' && path === '/v2/team/app/manifests/v1') {
        res.writeHead(200, { 'docker-content-digest': DIGEST, 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': '300' });
        res.end();
        return;
      }
      if (rec.method === 'DELETE' && path === '/v2/team/app/manifests/v1') {
        res.writeHead(202);
        res.end();
        return;
      }
      return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    });
  });
  after(async () => {
    await server.close();
    cache.remove();
  });

  it('uses DELETE /v2/<name>/manifests/<tag> and nothing else', async () => {
    const doc = JSON.parse((await regctl(['--cache-dir', cache.dir, 'delete', '--json', `${server.host}/team/app:v1`])).stdout) as DeleteDoc;
    assert.equal(doc.method, 'tag-delete');
    assert.equal(doc.digest, DIGEST);
    const calls = server.requests.filter((q) => q.url !== '/v2/').map((q) => `${q.method} ${q.url}`);
    assert.deepEqual(calls, ['HEAD /v2/team/app/manifests/v1', 'DELETE /v2/team/app/manifests/v1']);
  });
});
