import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SyncResult, SyncTotals } from '../../src/sync/types.js';
import { tempDir } from '../support/cli.js';
import { HttpSink, listTags } from '../support/http-sink.js';
import { buildRandomImage, buildRandomIndex, type RandomImage } from '../support/random-image.js';
import { startRateLimitProxy } from '../support/ratelimit-proxy.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../support/registry.js';
import { skopeoInspect } from '../support/skopeo.js';
import { umociLs } from '../support/tools.js';
import { credEnv, regctl, skopeoDigest, snapshot, THREE_PLATFORMS } from './push-support.js';

interface Report {
  dryRun: boolean;
  results: SyncResult[];
  totals: SyncTotals;
}

/** Requests that change a registry: anything but GET and HEAD. */
function writes(log: AccessEntry[]): string[] {
  return log.filter((e) => e.method !== 'GET' && e.method !== 'HEAD').map((e) => `${e.method} ${e.path}`);
}

function report(stdout: string): Report {
  const doc = JSON.parse(stdout) as Report;
  doc.results.sort((a, b) => a.index - b.index);
  return doc;
}

const ALPINE_TAGS = ['3.17', '3.18', '3.18.4', '3.19', '3.19.0-rc1', '3.20-rc', 'edge', 'latest'];

describe('regctl sync', { timeout: 240_000 }, () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  const work = tempDir('regctl-sync-');
  const C = ['--progress', 'plain'];
  const app: Record<string, RandomImage> = {};
  let multi: string;

  before(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'open' })]);
    const appSink = new HttpSink(a.url, 'src/app');
    for (const tag of ['v1', 'v2', 'v3']) app[tag] = await buildRandomImage(appSink, { seed: `sync-app-${tag}`, layers: 2, layerSize: 4000, tag });
    multi = (await buildRandomIndex(appSink, { seed: 'sync-multi', platforms: THREE_PLATFORMS, tag: 'multi' })).index.digest;
    const alpine = new HttpSink(a.url, 'src/alpine');
    const image = await buildRandomImage(alpine, { seed: 'sync-alpine', layers: 1, layerSize: 1000 });
    for (const tag of ALPINE_TAGS) await alpine.tag(image.manifest, tag);
    const many = new HttpSink(a.url, 'src/many');
    for (let i = 1; i <= 8; i++) await buildRandomImage(many, { seed: `sync-many-${i}`, layers: 1, layerSize: 500, tag: `t${i}` });
  });

  after(async () => {
    await Promise.all([a, b].map((r) => r?.stop()));
    work.remove();
  });

  it('mirrors every tag of a repository, then a second run writes nothing and pulls nothing', async () => {
    const r = await regctl([...C, 'sync', `${a.host}/src/app`, `${b.host}/mirror/app`]);
    for (const tag of ['v1', 'v2', 'v3']) {
      assert.equal(await skopeoDigest(b, `mirror/app:${tag}`), app[tag]?.manifest.digest);
      assert.match(
        r.stdout,
        new RegExp(`^copied {6}${a.host}/src/app:${tag} -> ${b.host}/mirror/app:${tag}  ${app[tag]?.manifest.digest}  3 blob\\(s\\) copied`, 'm'),
      );
    }
    assert.equal(await skopeoDigest(b, 'mirror/app:multi'), multi, 'an index is copied whole, digest kept');
    assert.match(r.stdout, /^4 image\(s\): 4 copied, 0 up to date, 0 failed; 15 blob\(s\) copied/m);
    assert.match(r.stderr, new RegExp(`^Copying ${a.host}/src/app:v2 -> ${b.host}/mirror/app:v2$`, 'm'));

    await Promise.all([a.clearAccessLog(), b.clearAccessLog()]);
    const again = await regctl([...C, 'sync', '--json', `${a.host}/src/app`, `${b.host}/mirror/app`]);
    const doc = report(again.stdout);
    assert.deepEqual(
      doc.results.map((x) => [x.target, x.status]),
      ['multi', 'v1', 'v2', 'v3'].map((t) => [`${b.host}/mirror/app:${t}`, 'up-to-date']),
    );
    assert.deepEqual([doc.totals.images, doc.totals.upToDate, doc.totals.bytes], [4, 4, 0]);
    const [srcLog, dstLog] = await Promise.all([a.accessLog(), b.accessLog()]);
    assert.deepEqual(writes(dstLog), [], 'nothing written to the target');
    assert.deepEqual(
      dstLog.filter((e) => /\/manifests\//.test(e.path)).map((e) => e.method),
      ['HEAD', 'HEAD', 'HEAD', 'HEAD'],
    );
    assert.equal(
      srcLog.filter((e) => e.method === 'GET' && /\/(manifests|blobs)\//.test(e.path)).length,
      0,
      'no manifest or blob read from the source: HEADs only',
    );
    assert.equal(again.stderr, '', 'nothing copied: no progress line');
  });

  it('within one registry every blob is mounted: no blob bytes move', async () => {
    await a.clearAccessLog();
    const r = await regctl([...C, 'sync', '--json', `${a.host}/src/app:v1`, `${a.host}/same/app`]);
    assert.deepEqual(
      report(r.stdout).results.map((x) => [x.status, x.blobs]),
      [['copied', { copied: 0, skipped: 0, mounted: 3 }]],
    );
    const log = await a.accessLog();
    assert.deepEqual(
      log.filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.path.includes('/blobs/uploads/')),
      [],
    );
    assert.equal(log.filter((e) => e.method === 'GET' && e.path.includes('/blobs/')).length, 0);
    assert.equal(await skopeoDigest(a, 'same/app:v1'), app['v1']?.manifest.digest);
  });

  it('a YAML file with semver, allow and deny takes exactly the expected tags', async () => {
    const file = join(work.dir, 'alpine.yaml');
    writeFileSync(
      file,
      `# mirror the supported alpine releases
sync:
  - source: ${a.host}/src/alpine
    target: ${b.host}/mirror/alpine
    tags:
      semver: ">=3.18"
      allow: ["^latest$"]
      deny: ["-rc"]
`,
    );
    const r = await regctl([...C, 'sync', file]);
    assert.deepEqual(await listTags(b.url, 'mirror/alpine'), ['3.18', '3.18.4', '3.19', 'latest']);
    // One image under four tags: copied once, then the other three only named (no pull, no blob).
    assert.match(r.stdout, /^4 image\(s\): 4 copied, 0 up to date, 0 failed; 2 blob\(s\) copied/m);
  });

  it('mirrors into an oci: directory that umoci and skopeo accept; again, the layout is untouched', async () => {
    const dir = join(work.dir, 'airgap');
    const file = join(work.dir, 'oci.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          sync: [
            { source: `${a.host}/src/app`, target: `oci:${dir}`, tags: { allow: ['^v[12]$'] } },
            { source: `${a.host}/src/app:v3`, target: `oci:${dir}` },
          ],
        },
        null,
        2,
      ),
    );
    await regctl([...C, 'sync', file]);
    assert.deepEqual((await umociLs(dir)).sort(), ['v1', 'v2', 'v3']);
    const inspected = (await skopeoInspect(`oci:${dir}:v2`)).json as { Digest: string };
    assert.equal(inspected.Digest, app['v2']?.manifest.digest);
    const before = await snapshot(dir);
    const again = await regctl([...C, 'sync', file]);
    assert.match(again.stdout, /^3 image\(s\): 0 copied, 3 up to date, 0 failed/m);
    assert.deepEqual(await snapshot(dir), before);
  });

  it('a missing source is reported while the other items complete (exit 1, the JSON names it)', async () => {
    const file = join(work.dir, 'missing.yaml');
    writeFileSync(
      file,
      `sync:\n  - source: ${a.host}/src/nothing\n    target: ${b.host}/mirror/nothing\n  - source: ${a.host}/src/app:v1\n    target: ${b.host}/mirror/still\n`,
    );
    const r = await regctl([...C, 'sync', '--json', file], 1);
    const doc = report(r.stdout);
    assert.deepEqual(
      doc.results.map((x) => [x.source, x.status, x.kind ?? null, x.exitCode ?? null]),
      [
        [`${a.host}/src/nothing`, 'failed', 'not-found', 3],
        [`${a.host}/src/app:v1`, 'copied', null, null],
      ],
    );
    assert.match(doc.results[0]?.reason ?? '', /src\/nothing not found/);
    assert.deepEqual([doc.totals.failed, doc.totals.copied], [1, 1]);
    assert.match(r.stderr, new RegExp(`^Error: sync: 1 of 2 image\\(s\\) failed \\(first: ${a.host}/src/nothing: `, 'm'));
    assert.equal(await skopeoDigest(b, 'mirror/still:v1'), app['v1']?.manifest.digest);
  });

  it('--dry-run lists what would be copied and writes nothing', async () => {
    await b.clearAccessLog();
    const dir = join(work.dir, 'dry-layout');
    const r = await regctl([...C, 'sync', '--dry-run', '--tags', '^v', `${a.host}/src/app`, `${b.host}/dry/app`]);
    for (const tag of ['v1', 'v2', 'v3']) {
      assert.match(r.stdout, new RegExp(`^would copy  ${a.host}/src/app:${tag} -> ${b.host}/dry/app:${tag}  ${app[tag]?.manifest.digest}$`, 'm'));
    }
    assert.match(r.stdout, /^Dry run, nothing written: 3 image\(s\): 3 would be copied, 0 up to date, 0 failed; /m);
    await regctl([...C, 'sync', '--dry-run', `${a.host}/src/app:v1`, `oci:${dir}`]);
    assert.deepEqual(writes(await b.accessLog()), []);
    assert.deepEqual(await listTags(b.url, 'dry/app'), []);
    assert.equal(existsSync(dir), false, 'no oci: directory created');
  });

  it("stops starting pulls when Docker Hub's ratelimit-remaining reaches --ratelimit-min, reporting the rest as skipped", async () => {
    const proxy = await startRateLimitProxy(a.url, { remaining: 13 });
    try {
      const r = await regctl([...C, 'sync', '--json', '--jobs', '1', '--ratelimit-min', '10', `${proxy.host}/src/many`, `${b.host}/limited/many`]);
      const doc = report(r.stdout);
      assert.deepEqual(
        doc.results.map((x) => x.status),
        ['copied', 'copied', 'copied', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped'],
      );
      assert.match(doc.results[3]?.reason ?? '', new RegExp(`^pull limit: ${proxy.host} has 10 pull\\(s\\) left, and --ratelimit-min is 10$`));
      assert.deepEqual([doc.totals.skipped, doc.totals.failed, proxy.remaining(), proxy.pulls()], [5, 0, 10, 3]);
      // In parallel the budget holds too: pulls in flight are counted before they land.
      const parallel = await regctl([...C, 'sync', '--json', '--jobs', '4', '--ratelimit-min', '7', `${proxy.host}/src/many`, `${b.host}/limited2/many`]);
      assert.equal(proxy.remaining(), 7);
      assert.equal(report(parallel.stdout).totals.copied, 3);
    } finally {
      await proxy.close();
    }
  });

  it('a bad field in the file exits 2 naming file:line and the field; bad flags exit 2', async () => {
    const file = join(work.dir, 'bad.yaml');
    writeFileSync(
      file,
      `defaults:\n  platforms: [linux/amd64]\nsync:\n  - source: ${a.host}/src/app\n    target: ${b.host}/x\n    tags:\n      semver: "not a range"\n`,
    );
    const r = await regctl(['sync', file], 2);
    assert.equal(r.stderr, `Error: invalid sync file ${file}:7: sync[0].tags.semver: "not a range" is not a semver range (e.g. ">=3.18", "^1.2", "1.x")\n`);
    assert.equal(r.stdout, '');
    const t = await regctl(['sync', `${a.host}/src/app`, `${b.host}/x`, '--tags', '(v1'], 2);
    assert.match(t.stderr, /^Error: --tags: "\(v1" is not a regular expression/);
    await regctl(['sync', file, '--shard', '3/2'], 2);
  });

  it('--shard splits the images between runs; an auth refusal on every image exits 4', async () => {
    const results: string[] = [];
    for (const shard of ['1/2', '2/2']) {
      const r = await regctl([...C, 'sync', '--json', '--shard', shard, `${a.host}/src/app`, `${b.host}/sharded/app`]);
      results.push(...report(r.stdout).results.map((x) => x.target.split(':').pop() as string));
    }
    assert.deepEqual(results, ['multi', 'v2', 'v1', 'v3']);
    const tok = await startRegistry({ mode: 'token' });
    try {
      const r = await regctl([...C, 'sync', '--tags', '^v', `${a.host}/src/app`, `${tok.host}/alice/app`], 4);
      assert.match(r.stdout, /^3 image\(s\): 0 copied, 0 up to date, 3 failed/m);
      await regctl([...C, 'sync', '--tags', '^v1$', `${a.host}/src/app`, `${tok.host}/alice/app`], 0, credEnv(tok));
    } finally {
      await tok.stop();
    }
  });
  it('--referrers copies the referrers of copied images, and of up-to-date ones on a later run', async () => {
    const sbom = join(work.dir, 'sbom.spdx.json');
    writeFileSync(sbom, '{"spdxVersion":"SPDX-2.3"}');
    const first = (await regctl(['-q', 'attach', '--artifact-type', 'application/spdx+json', `${a.host}/src/app:v1`, sbom])).stdout.trim();
    await regctl([...C, 'sync', '--referrers', '--tags', '^v[12]$', `${a.host}/src/app`, `${b.host}/signed/app`]);
    const listed = (tag: string): Promise<string[]> =>
      regctl(['referrers', '--json', `${b.host}/signed/app:${tag}`]).then((r) =>
        (JSON.parse(r.stdout) as { referrers: { digest: string }[] }).referrers.map((d) => d.digest),
      );
    assert.deepEqual(await listed('v1'), [first]);
    assert.deepEqual(await listed('v2'), []);
    // Attached upstream after v2 was mirrored: the next run finds v2 up to date and still brings it.
    const later = (await regctl(['-q', 'attach', '--artifact-type', 'application/spdx+json', `${a.host}/src/app:v2`, sbom])).stdout.trim();
    const again = await regctl([...C, 'sync', '--json', '--referrers', '--tags', '^v[12]$', `${a.host}/src/app`, `${b.host}/signed/app`]);
    assert.deepEqual(
      report(again.stdout).results.map((x) => x.status),
      ['up-to-date', 'up-to-date'],
    );
    assert.deepEqual(await listed('v2'), [later]);
    assert.deepEqual(await listed('v1'), [first]);
  });
});
