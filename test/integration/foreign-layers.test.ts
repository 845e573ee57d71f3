import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { runCli, tempDir } from '../support/cli.js';
import { fixturePath, layoutBlob, layoutImage } from '../support/fixtures.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../support/registry.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { skopeoInspect } from '../support/skopeo.js';

// Foreign layers (Docker) and non-distributable layers (OCI): the real registry holds a manifest
// that lists such a layer with urls but never the layer itself (distribution 2.8 accepts that once
// validation.manifests.urls.allow is set; by default it refuses every manifest with urls). A
// scripted server on 127.0.0.1 plays the layer's own host.

const FOREIGN = fixturePath('oci', 'foreign-layer');
const CASES = [
  { kind: 'docker', name: 'docker.io/acme/winapp:1', type: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' },
  { kind: 'oci', name: 'docker.io/acme/ndapp:1', type: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip' },
] as const;
const URL_HOST_SECRET = 'url-host-secret-never-sent';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('foreign and non-distributable layers', { timeout: 180_000 }, () => {
  let reg: RunningRegistry;
  let other: RunningRegistry;
  let layerHost: ScriptedServer;
  const work = tempDir('regctl-foreign-');
  const dockerConfig = join(work.dir, 'docker');
  const blobs = new Map<string, Buffer>();
  const env = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dockerConfig });
  const basic = (): string => `Basic ${Buffer.from(`alice:${reg.users['alice']}`).toString('base64')}`;

  before(async () => {
    [reg, other] = await Promise.all([
      startRegistry({ mode: 'basic', manifestUrlsAllow: ['^https?://'] }),
      startRegistry({ mode: 'open', manifestUrlsAllow: ['^https?://'] }),
    ]);
    layerHost = await startScriptedServer((req, res) => {
      const [, route, digest] = (req.url ?? '').split('/');
      const body = blobs.get(digest ?? '');
      if (route === 'layers' && body) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
        res.end(body);
      } else if (route === 'auth') {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="layer host"' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    // Credentials for the registry and, as a trap, for the layer host: neither may reach the layer host.
    mkdirSync(dockerConfig, { recursive: true });
    const auth = (user: string, pass: string): { auth: string } => ({ auth: Buffer.from(`${user}:${pass}`).toString('base64') });
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [reg.host]: auth('alice', reg.users['alice'] as string), [layerHost.host]: auth('bob', URL_HOST_SECRET) } }),
    );
  });

  after(async () => {
    await Promise.all([reg?.stop(), other?.stop(), layerHost?.close()]);
    work.remove();
  });

  /** Puts a blob into `repo` of the basic-auth registry. */
  async function putBlob(repo: string, bytes: Buffer): Promise<void> {
    const start = await fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { authorization: basic() } });
    assert.equal(start.status, 202);
    const location = new URL(start.headers.get('location') ?? '', reg.url);
    location.searchParams.set('digest', sha256(bytes));
    const put = await fetch(location, { method: 'PUT', body: bytes, headers: { authorization: basic(), 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201, await put.text());
  }

  /**
   * The fixture image with its foreign layer's urls pointing at the layer host (`routes` in order),
   * pushed to the registry as `repo:tag` without the foreign layer. Returns the new manifest's digest and the layer.
   */
  async function publish(
    c: (typeof CASES)[number],
    repo: string,
    tag: string,
    routes: string[],
  ): Promise<{ digest: string; foreign: Descriptor; base: Descriptor }> {
    const img = layoutImage(FOREIGN, c.name);
    const foreign = img.manifest.layers.find((l) => l.mediaType === c.type) as Descriptor;
    const base = img.manifest.layers.find((l) => l !== foreign) as Descriptor;
    blobs.set(foreign.digest, layoutBlob(FOREIGN, foreign.digest));
    await putBlob(repo, layoutBlob(FOREIGN, img.manifest.config.digest));
    await putBlob(repo, layoutBlob(FOREIGN, base.digest));
    const manifest = {
      ...img.manifest,
      layers: img.manifest.layers.map((l) => (l === foreign ? { ...l, urls: routes.map((r) => `${layerHost.url}/${r}/${foreign.digest}`) } : l)),
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const put = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, {
      method: 'PUT',
      body: bytes,
      headers: { authorization: basic(), 'content-type': img.manifest.mediaType },
    });
    assert.equal(put.status, 201, `the registry accepts a manifest whose foreign layer it lacks: ${await put.text()}`);
    const head = await fetch(`${reg.url}/v2/${repo}/blobs/${foreign.digest}`, { method: 'HEAD', headers: { authorization: basic() } });
    assert.equal(head.status, 404, 'the registry does not hold the foreign layer');
    return { digest: sha256(bytes), foreign, base };
  }

  const touching = (log: AccessEntry[], digest: string): AccessEntry[] => log.filter((e) => e.path.includes(digest) || e.query.includes(digest));

  for (const c of CASES) {
    it(`${c.kind}: pull fetches the layer from its urls in order without credentials; save works; push and copy leave it out`, async () => {
      const cache = join(work.dir, `cache-${c.kind}`);
      const repo = `win/${c.kind}`;
      const { digest, foreign, base } = await publish(c, repo, '1', ['missing', 'auth', 'layers']);
      const ref = `${reg.host}/${repo}:1`;
      layerHost.requests.length = 0;
      await reg.clearAccessLog();

      const pulled = await runCli(['--cache-dir', cache, '--progress', 'plain', 'pull', ref], { env: env() });
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stdout, new RegExp(`^Digest: ${digest}$`, 'm'));
      assert.deepEqual(
        layerHost.requests.map((r) => `${r.method} ${r.url}`),
        ['missing', 'auth', 'layers'].map((r) => `GET /${r}/${foreign.digest}`),
        'each url in order until one serves the layer',
      );
      for (const r of layerHost.requests) {
        assert.equal(r.headers['authorization'], undefined, `no Authorization sent to ${r.url}`);
        assert.ok(!JSON.stringify(r.headers).includes(URL_HOST_SECRET));
      }
      assert.deepEqual(touching(await reg.accessLog(), foreign.digest), [], 'the registry is never asked for the foreign layer');
      assert.equal(sha256(readFileSync(join(cache, 'blobs', 'sha256', foreign.digest.slice(7)))), foreign.digest, 'the layer is in the cache, verified');

      const archive = join(work.dir, `${c.kind}.tar`);
      const saved = await runCli(['--cache-dir', cache, 'save', ref, '-o', archive]);
      assert.equal(saved.code, 0, saved.stderr);
      const inspected = (await skopeoInspect(`docker-archive:${archive}`)).json as { Layers: string[]; Os: string };
      assert.equal(inspected.Layers.length, 2);
      assert.equal(inspected.Os, 'windows');
      const docker = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json']).toString('utf8')) as { LayerSources?: Record<string, Descriptor> }[];
      const sources = Object.values(docker[0]?.LayerSources ?? {});
      assert.deepEqual(
        sources.map((s) => [s.mediaType, s.digest, s.urls?.length]),
        [[c.type, foreign.digest, 3]],
        'docker load keeps the layer foreign',
      );

      await reg.clearAccessLog();
      const pushTo = `${reg.host}/win/pushed-${c.kind}:1`;
      assert.equal((await runCli(['--cache-dir', cache, 'tag', ref, pushTo])).code, 0);
      const pushed = await runCli(['--cache-dir', cache, '--progress', 'plain', 'push', pushTo], { env: env() });
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.match(pushed.stderr, new RegExp(`${foreign.digest.slice(7, 19)}: Skipped foreign layer`));
      assert.match(pushed.stdout, new RegExp(`digest: ${digest} `), 'the manifest is pushed byte for byte, urls kept');
      const pushLog = await reg.accessLog();
      assert.deepEqual(touching(pushLog, foreign.digest), [], 'push never uploads (or even asks about) the foreign layer');
      assert.ok(touching(pushLog, base.digest).length > 0, 'the ordinary layer is handled');

      const before = layerHost.requests.length;
      const copied = await runCli(['--cache-dir', cache, 'copy', ref, `${other.host}/win/copied-${c.kind}:1`], { env: env() });
      assert.equal(copied.code, 0, copied.stderr);
      assert.match(copied.stdout, new RegExp(`^Digest: ${digest}$`, 'm'));
      assert.deepEqual(touching(await other.accessLog(), foreign.digest), [], 'copy never uploads the foreign layer');
      assert.equal(layerHost.requests.length, before, 'copy does not fetch it either');
      const served = await fetch(`${other.url}/v2/win/copied-${c.kind}/manifests/1`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
      });
      const manifest = JSON.parse(await served.text()) as { layers: Descriptor[] };
      assert.deepEqual(manifest.layers.find((l) => l.digest === foreign.digest)?.urls?.length, 3);

      const dir = join(work.dir, `layout-${c.kind}`);
      const toLayout = await runCli(['--cache-dir', cache, 'copy', ref, `oci:${dir}:1`], { env: env() });
      assert.equal(toLayout.code, 0, toLayout.stderr);
      assert.ok(!existsSync(join(dir, 'blobs', 'sha256', foreign.digest.slice(7))), 'an OCI layout keeps the urls, not the layer (as skopeo does)');
      assert.ok(existsSync(join(dir, 'blobs', 'sha256', base.digest.slice(7))));
    });
  }

  it('a foreign layer no url serves fails the pull (exit 3) naming the layer and each url, and tags nothing', async () => {
    const cache = join(work.dir, 'cache-fail');
    const { foreign } = await publish(CASES[0], 'win/broken', '1', ['missing', 'auth']);
    const r = await runCli(['--cache-dir', cache, 'pull', `${reg.host}/win/broken:1`], { env: env() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `foreign layer ${foreign.digest} could not be fetched from its urls: http://${layerHost.host}/missing/\\S+: HTTP 404; http://${layerHost.host}/auth/\\S+: HTTP 401`,
      ),
    );
    assert.equal(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('Error')).length,
      1,
    );
    const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.deepEqual(index.manifests, []);
  });
});
