import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { referrersTag } from '../../src/oci/referrer-entry.js';
import { tempDir } from '../support/cli.js';
import { startReferrersRegistry, type ReferrersRegistry, type ReferrersRegistryOptions } from '../support/referrers-registry.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { regctl, seedImage } from './push-support.js';

const SBOM = 'application/spdx+json';
const SIG = 'application/vnd.example.signature';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };

interface Seeded {
  subject: Descriptor;
  sboms: Descriptor[];
  sig: Descriptor;
}

/** An image `team/app:v1` and three referrers (two SBOMs, one signature), indexed by the registry. */
function seed(reg: ReferrersRegistry): Seeded {
  reg.putBlob(Buffer.from('{}'), EMPTY.mediaType);
  const config = reg.putBlob(
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
    'application/vnd.oci.image.config.v1+json',
  );
  const subject = reg.putManifest('team/app', { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [] }, 'v1');
  const artifact = (type: string, n: number): Descriptor =>
    reg.putManifest('team/app', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: type,
      config: EMPTY,
      layers: [EMPTY],
      subject,
      annotations: { 'org.opencontainers.image.created': `2026-01-0${n}T00:00:00Z` },
    });
  return { subject, sboms: [artifact(SBOM, 1), artifact(SBOM, 2)], sig: artifact(SIG, 3) };
}

async function listed(reg: ReferrersRegistry, extra: string[] = []): Promise<{ via: string; referrers: Descriptor[] }> {
  const r = await regctl(['referrers', '--json', ...extra, `${reg.host}/team/app:v1`]);
  return JSON.parse(r.stdout) as { via: string; referrers: Descriptor[] };
}

describe('referrers against a registry with the OCI 1.1 referrers API (scripted)', { timeout: 120_000 }, () => {
  const servers: ReferrersRegistry[] = [];
  let real: RunningRegistry;
  const work = tempDir('regctl-referrers-api-');
  const serve = async (options: ReferrersRegistryOptions = {}): Promise<{ reg: ReferrersRegistry; seeded: Seeded }> => {
    const reg = await startReferrersRegistry(options);
    servers.push(reg);
    return { reg, seeded: seed(reg) };
  };

  before(async () => {
    real = await startRegistry({ mode: 'open' });
  });
  after(async () => {
    await Promise.all([real?.stop(), ...servers.map((s) => s.close())]);
    work.remove();
  });

  it('lists referrers by the API, filtered by the server (OCI-Filters-Applied)', async () => {
    const { reg, seeded } = await serve();
    const all = await listed(reg);
    assert.equal(all.via, 'api');
    assert.deepEqual(
      all.referrers.map((d) => d.digest),
      [...seeded.sboms, seeded.sig].map((d) => d.digest),
    );
    const sboms = await listed(reg, ['--artifact-type', SBOM]);
    assert.deepEqual(
      sboms.referrers.map((d) => d.digest),
      seeded.sboms.map((d) => d.digest),
    );
    assert.ok(reg.requestsTo(/\/referrers\/.*artifactType=application%2Fspdx%2Bjson/).length > 0, 'the filter is sent to the server');
    const table = await regctl(['referrers', '--artifact-type', SIG, `${reg.host}/team/app:v1`]);
    assert.match(table.stdout, /^DIGEST\s+ARTIFACT TYPE\s+CREATED\s+SIZE\n/);
    assert.match(table.stdout, new RegExp(`${seeded.sig.digest}\\s+${SIG}\\s+2026-01-03T00:00:00Z\\s+\\d+B\\n$`));
    assert.match(table.stderr, /from the referrers API/);
  });

  it('filters on the client when the server ignores artifactType', async () => {
    const { reg, seeded } = await serve({ filter: false });
    const sboms = await listed(reg, ['--artifact-type', SBOM]);
    assert.deepEqual(
      sboms.referrers.map((d) => d.digest),
      seeded.sboms.map((d) => d.digest),
    );
    const sigs = await listed(reg, ['--artifact-type', SIG]);
    assert.deepEqual(
      sigs.referrers.map((d) => d.digest),
      [seeded.sig.digest],
    );
  });

  it('follows Link pages of the referrers list', async () => {
    const { reg, seeded } = await serve({ pageSize: 1 });
    const all = await listed(reg);
    assert.deepEqual(
      all.referrers.map((d) => d.digest),
      [...seeded.sboms, seeded.sig].map((d) => d.digest),
    );
    assert.equal(reg.requestsTo(/\/referrers\//).length, 3, 'three pages');
  });

  it('refuses a Link that loops, or that points at another host', async () => {
    const { reg: loop } = await serve({ badLink: 'loop' });
    const r = await regctl(['referrers', `${loop.host}/team/app:v1`], 1);
    assert.match(r.stderr, /Link header that loops back to a page already read/);
    const { reg: foreign } = await serve({ badLink: 'http://localhost:9' });
    const f = await regctl(['referrers', `${foreign.host}/team/app:v1`], 1);
    assert.match(f.stderr, /another host \(localhost:9\)/);
  });

  it('prefers the API to the fallback tag', async () => {
    const { reg, seeded } = await serve();
    const stray = reg.putManifest('team/app', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.stray',
      config: EMPTY,
      layers: [EMPTY],
    });
    reg.putManifest(
      'team/app',
      { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...stray, artifactType: 'application/vnd.example.stray' }] },
      referrersTag(seeded.subject.digest),
    );
    const all = await listed(reg);
    assert.equal(all.via, 'api');
    assert.ok(!all.referrers.some((d) => d.digest === stray.digest), 'the fallback entry is not listed');
    assert.equal(reg.requestsTo(/\/manifests\/sha256-/).length, 0, 'the fallback tag is never read');
  });

  it('attach: a registry answering OCI-Subject indexes the artifact; no fallback tag is written', async () => {
    const { reg, seeded } = await serve();
    const file = join(work.dir, 'report.txt');
    writeFileSync(file, 'all clear\n');
    const r = await regctl(['attach', '--json', '--artifact-type', 'application/vnd.example.report', `${reg.host}/team/app:v1`, file]);
    const out = JSON.parse(r.stdout) as { digest: string; indexedBy: string };
    assert.equal(out.indexedBy, 'api');
    assert.ok(reg.indexed(seeded.subject.digest).some((d) => d.digest === out.digest));
    assert.equal(reg.requestsTo(/\/manifests\/sha256-/).length, 0, 'no fallback tag read or written');
  });

  it('attach: without OCI-Subject, a registry that has the API still needs no fallback tag', async () => {
    const { reg, seeded } = await serve({ subjectHeader: false });
    const r = await regctl(['attach', '--json', '--artifact-type', 'application/vnd.example.note', `${reg.host}/team/app:v1`]);
    const out = JSON.parse(r.stdout) as { digest: string; indexedBy: string };
    assert.equal(out.indexedBy, 'api');
    assert.equal(reg.requestsTo(/\/manifests\/sha256-/).length, 0);
    assert.ok(reg.indexed(seeded.subject.digest).some((d) => d.digest === out.digest));
  });

  it('copy --referrers from a fallback-tag registry to an API registry pushes with subject: the API lists them', async () => {
    await seedImage(real, 'src/app:v1', { seed: 'referrers-api-copy', layers: 1, layerSize: 2048 });
    const file = join(work.dir, 'sbom.spdx.json');
    writeFileSync(file, '{"spdxVersion":"SPDX-2.3"}');
    const sbom = (await regctl(['attach', '-q', '--artifact-type', SBOM, `${real.host}/src/app:v1`, file])).stdout.trim();
    const sig = (await regctl(['attach', '-q', '--artifact-type', SIG, `${real.host}/src/app@${sbom}`])).stdout.trim();
    const reg = await startReferrersRegistry();
    servers.push(reg);
    await regctl(['copy', '--referrers', `${real.host}/src/app:v1`, `${reg.host}/team/app:v1`]);
    const all = await listed(reg);
    assert.equal(all.via, 'api');
    assert.deepEqual(
      all.referrers.map((d) => [d.digest, d.artifactType]),
      [[sbom, SBOM]],
    );
    const nested = JSON.parse((await regctl(['referrers', '--json', `${reg.host}/team/app@${sbom}`])).stdout) as { referrers: Descriptor[] };
    assert.deepEqual(
      nested.referrers.map((d) => d.digest),
      [sig],
    );
    assert.equal(reg.requestsTo(/\/manifests\/sha256-/).filter((r) => r.method === 'PUT').length, 0, 'no fallback tag written');
  });
});
