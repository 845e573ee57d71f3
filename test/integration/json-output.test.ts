import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Platform } from '../../src/oci/descriptor.js';
import { runCli, tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { regctl, seedImage, seedIndex, THREE_PLATFORMS } from './push-support.js';

const HASH = /^sha256:[a-f0-9]{64}$/;

/** Parses stdout as one JSON document (nothing else on stdout). */
function doc(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The `{"event":"result",…}` line `--progress json` ends with, without its event field. */
function resultEvent(stderr: string): Record<string, unknown> {
  const last = stderr.trim().split('\n').at(-1) ?? '';
  const { event, ...rest } = JSON.parse(last) as Record<string, unknown>;
  assert.equal(event, 'result', stderr);
  return rest;
}

// Golden tests of each command's --json document: its exact fields (README "JSON output" lists
// them; fields are added, never renamed) and what they hold.
describe('--json documents', { timeout: 120_000 }, () => {
  let reg: RunningRegistry;
  let basic: RunningRegistry;
  let image: RandomImage;
  let index: RandomIndex;
  const cache = tempDir('regctl-json-cache-');
  const work = tempDir('regctl-json-work-');
  const C = ['--cache-dir', cache.dir];

  before(async () => {
    [reg, basic] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'basic' })]);
    image = await seedImage(reg, 'json/app:v1', { seed: 'json-app', layers: 2, layerSize: 20_000, platform: { os: 'linux', architecture: 'amd64' } });
    index = await seedIndex(reg, 'json/multi:v1', { seed: 'json-multi', platforms: THREE_PLATFORMS });
  });

  after(async () => {
    await Promise.all([reg, basic].map((r) => r?.stop()));
    cache.remove();
    work.remove();
  });

  it('pull --json (and --progress json ends with the same document)', async () => {
    const name = `${reg.host}/json/app:v1`;
    const r = await regctl([...C, '--progress', 'json', 'pull', '--json', name]);
    const d = doc(r.stdout);
    assert.deepEqual(Object.keys(d), ['name', 'digest', 'stored', 'upToDate', 'blobsFetched', 'bytes', 'referrers']);
    assert.deepEqual(d, {
      name,
      digest: image.manifest.digest,
      stored: image.manifest.digest,
      upToDate: false,
      blobsFetched: 3,
      bytes: image.config.size + image.layers.reduce((n, l) => n + l.size, 0),
      referrers: 0,
    });
    assert.deepEqual(resultEvent(r.stderr), d);
    const again = doc((await regctl([...C, 'pull', '--json', name])).stdout);
    assert.equal(again['upToDate'], true);
  });

  it('images --digests shows the index digest pull printed beside the platform digest it stored', async () => {
    const name = `${reg.host}/json/multi:v1`;
    const pulled = await regctl([...C, 'pull', '--platform', 'linux/arm64', name]);
    const arm = index.images[1] as RandomImage;
    assert.match(pulled.stdout, new RegExp(`^Digest: ${index.index.digest}$`, 'm'));
    const table = (await regctl([...C, 'images', '--digests', `${reg.host}/json/multi`])).stdout.split('\n');
    assert.match(table[0] ?? '', /^REPOSITORY\s+TAG\s+DIGEST\s+PLATFORM DIGEST\s+IMAGE ID/);
    assert.match(table[1] ?? '', new RegExp(`\\s${index.index.digest}\\s+${arm.manifest.digest}\\s`));
    const single = (await regctl([...C, 'images', '--digests', `${reg.host}/json/app`])).stdout.split('\n')[1] ?? '';
    assert.match(single, new RegExp(`\\s${image.manifest.digest}\\s+-\\s`), 'a single-platform image has no other digest');
    const rows = JSON.parse((await regctl([...C, 'images', '--json', `${reg.host}/json/multi`])).stdout) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['name', 'repository', 'tag', 'digest', 'indexDigest', 'mediaType', 'size', 'created', 'platforms']);
    assert.deepEqual([rows[0]?.['digest'], rows[0]?.['indexDigest']], [arm.manifest.digest, index.index.digest]);
    const f = await regctl([...C, 'images', '--format', '{{.Digest}}', `${reg.host}/json/multi`]);
    assert.equal(f.stdout, `${index.index.digest}\n`, "--format's Digest is docker's: the one to pin");
  });

  it('push --json and copy --json (each also as the --progress json result)', async () => {
    await regctl([...C, 'tag', `${reg.host}/json/app:v1`, `${reg.host}/json/pushed:v1`]);
    const p = await regctl([...C, '--progress', 'json', 'push', '--json', `${reg.host}/json/pushed:v1`]);
    const pd = doc(p.stdout);
    assert.deepEqual(Object.keys(pd), ['name', 'digest', 'size', 'pushed', 'skipped', 'mounted', 'bytes']);
    assert.deepEqual([pd['digest'], pd['size'], pd['pushed'], pd['mounted']], [image.manifest.digest, image.manifest.size, 0, 3]);
    assert.deepEqual(resultEvent(p.stderr), pd);
    const c = await regctl([...C, '--progress', 'json', 'copy', '--json', `${reg.host}/json/app:v1`, `${basic.host}/json/app:v1`], 0, {
      REGCTL_REGISTRY: basic.host,
      REGCTL_USERNAME: 'alice',
      REGCTL_PASSWORD: 'wonderland-secret',
    });
    const cd = doc(c.stdout);
    assert.deepEqual(Object.keys(cd), [
      'source',
      'destination',
      'digest',
      'mediaType',
      'size',
      'sourceDigest',
      'filtered',
      'platforms',
      'blobs',
      'bytes',
      'referrers',
    ]);
    assert.deepEqual(cd['blobs'], { copied: 3, skipped: 0, mounted: 0 });
    assert.deepEqual(resultEvent(c.stderr), cd);
  });

  it('tag --json, rmi --json', async () => {
    const t = doc((await regctl([...C, 'tag', '--json', `${reg.host}/json/app:v1`, 'alice/tool:1'])).stdout);
    assert.deepEqual(t, { source: `${reg.host}/json/app:v1`, target: 'docker.io/alice/tool:1', digest: image.manifest.digest });
    const r = await regctl([...C, 'rmi', '--json', 'alice/tool:1', 'alice/nothing:1'], 3);
    assert.deepEqual(doc(r.stdout), {
      untagged: [{ name: 'docker.io/alice/tool:1', digest: image.manifest.digest }],
      errors: [{ reference: 'alice/nothing:1', error: 'no such image: docker.io/alice/nothing:1' }],
    });
    assert.equal(r.stderr, 'Error: no such image: docker.io/alice/nothing:1\n');
  });

  it('save -o FILE --json, load --json', async () => {
    const file = join(work.dir, 'app.tar');
    const s = doc((await regctl([...C, 'save', '--json', '-o', file, `${reg.host}/json/app:v1`])).stdout);
    assert.deepEqual(s, {
      file,
      images: [{ name: `${reg.host}/json/app:v1`, digest: image.manifest.digest }],
      blobs: 4,
      bytes: image.manifest.size + image.config.size + image.layers.reduce((n, l) => n + l.size, 0),
    });
    const refused = await regctl([...C, 'save', '--json', `${reg.host}/json/app:v1`], 2);
    assert.equal(refused.stdout, '');
    const fresh = join(work.dir, 'fresh-cache');
    const l = doc((await regctl(['--cache-dir', fresh, 'load', '--json', '-i', file])).stdout);
    assert.deepEqual(l, { images: [{ name: `${reg.host}/json/app:v1`, digest: image.manifest.digest, mediaType: image.manifest.mediaType }] });
  });

  it('delete --json', async () => {
    await regctl([...C, 'copy', `${reg.host}/json/app:v1`, `${reg.host}/json/doomed:v1`]);
    const d = doc((await regctl([...C, 'delete', '--json', `${reg.host}/json/doomed:v1`])).stdout);
    assert.deepEqual(Object.keys(d), ['reference', 'registry', 'repository', 'tag', 'digest', 'deleted', 'method']);
    assert.deepEqual([d['tag'], d['digest'], d['deleted']], ['v1', image.manifest.digest, 'tag']);
  });

  it('login --json and logout --json never carry the secret', async () => {
    const home = tempDir('regctl-json-home-');
    try {
      const env = { HOME: home.dir, XDG_CONFIG_HOME: join(home.dir, '.config'), DOCKER_CONFIG: join(home.dir, '.docker') };
      const r = await runCli(['login', '--json', '--store', 'file', '-u', 'alice', '--password-stdin', basic.host], { env, input: 'wonderland-secret' });
      assert.equal(r.code, 0, r.stderr);
      const d = doc(r.stdout);
      assert.deepEqual(Object.keys(d), ['registry', 'username', 'store', 'where', 'identityToken', 'verified']);
      assert.deepEqual([d['registry'], d['username'], d['store'], d['identityToken'], d['verified']], [basic.host, 'alice', 'file', false, true]);
      assert.doesNotMatch(r.stdout + r.stderr, /wonderland-secret/);
      const out = await runCli(['logout', '--json', basic.host], { env });
      assert.equal(out.code, 0, out.stderr);
      const o = doc(out.stdout);
      assert.equal(o['registry'], basic.host);
      assert.equal((o['removed'] as string[]).length, 1);
      assert.deepEqual(doc((await runCli(['logout', '--json', basic.host], { env })).stdout), { registry: basic.host, removed: [] });
    } finally {
      home.remove();
    }
  });

  it('manifest create --json, and version --json', async () => {
    const m = doc((await regctl([...C, 'manifest', 'create', '--json', `${reg.host}/json/list:v1`, `${reg.host}/json/app:v1`])).stdout);
    assert.deepEqual(Object.keys(m), ['name', 'digest', 'mediaType', 'size', 'amended', 'manifests']);
    assert.match(m['digest'] as string, HASH);
    const platform: Platform = { os: 'linux', architecture: 'amd64' };
    assert.deepEqual(m['manifests'], [
      {
        source: `${reg.host}/json/app:v1`,
        digest: image.manifest.digest,
        mediaType: image.manifest.mediaType,
        size: image.manifest.size,
        platform: `${platform.os}/${platform.architecture}`,
      },
    ]);
    const v = doc((await regctl(['version', '--json'])).stdout);
    assert.deepEqual(Object.keys(v), ['version', 'node', 'platform']);
    assert.equal(v['node'], process.version);
  });
});
