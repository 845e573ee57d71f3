import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { humanSize, shortId, timeAgo } from '../../src/commands/format.js';
import { tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy } from '../support/skopeo.js';
import { regctl, seedImage, seedIndex, THREE_PLATFORMS } from './push-support.js';

const CONFIG = {
  User: 'svc',
  WorkingDir: '/work',
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: ['run'],
  Env: ['PATH=/bin', 'A=1'],
  Labels: { 'org.opencontainers.image.title': 'golden' },
};

describe('--format golden output (real registry)', { timeout: 120_000 }, () => {
  let reg: RunningRegistry;
  let image: RandomImage;
  let index: RandomIndex;
  const work = tempDir('regctl-format-');
  const C = ['--cache-dir', join(work.dir, 'cache')];
  let REF: string;
  let REPO: string;
  let size: number;

  before(async () => {
    reg = await startRegistry({ mode: 'open' });
    REPO = `${reg.host}/team/golden`;
    REF = `${REPO}:v1`;
    image = await seedImage(reg, 'team/golden:v1', { seed: 'format', layers: 2, layerSize: 1500, containerConfig: CONFIG });
    await skopeoCopy(`docker://${REF}`, `docker://${REPO}:v2`);
    index = await seedIndex(reg, 'team/multi:v1', { seed: 'format-multi', platforms: THREE_PLATFORMS });
    size = image.config.size + image.layers.reduce((n, l) => n + l.size, 0);
    await regctl([...C, 'pull', '-q', REF]);
    await regctl([...C, 'tag', REF, `${REPO}:alias`]);
    await regctl([...C, 'pull', '-q', '--all-platforms', `${reg.host}/team/multi:v1`]);
  });

  after(async () => {
    await reg?.stop();
    work.remove();
  });

  it('images: ID, Repository, Tag, Digest, CreatedSince, CreatedAt, Size', async () => {
    const f = async (t: string): Promise<string> => (await regctl([...C, 'images', '--format', t, REPO])).stdout;
    assert.equal(await f('{{.ID}}'), `${shortId(image.manifest.digest)}\n${shortId(image.manifest.digest)}\n`);
    assert.equal(await f('{{.Repository}}'), `${REPO}\n${REPO}\n`);
    assert.equal(await f('{{.Tag}}'), 'alias\nv1\n');
    assert.equal(await f('{{.Digest}}'), `${image.manifest.digest}\n`.repeat(2));
    assert.equal(await f('{{.CreatedSince}}'), `${timeAgo('2024-01-01T00:00:00Z')}\n`.repeat(2));
    assert.equal(await f('{{.CreatedAt}}'), '2024-01-01 00:00:00 +0000 UTC\n'.repeat(2));
    assert.equal(await f('{{.Size}}'), `${humanSize(size)}\n`.repeat(2));
    assert.equal(await f('{{.Repository}}:{{.Tag}}\\t{{.Size}}'), `${REPO}:alias\t${humanSize(size)}\n${REPO}:v1\t${humanSize(size)}\n`);
    const id = shortId(image.manifest.digest);
    const w = REPO.length + 3;
    assert.equal(
      await f('table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}'),
      `${'REPOSITORY'.padEnd(w)}TAG       IMAGE ID\n${REPO.padEnd(w)}alias     ${id}\n${REPO.padEnd(w)}v1        ${id}\n`,
    );
    const rows = (await f('json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['ID', 'Repository', 'Tag', 'Digest', 'CreatedSince', 'CreatedAt', 'Size']);
  });

  for (const remote of [false, true]) {
    it(`inspect${remote ? ' --remote' : ''}: docker's field names`, async () => {
      const f = async (t: string, ref = REF, extra: string[] = []): Promise<string> =>
        (await regctl([...C, 'inspect', ...(remote ? ['--remote'] : []), ...extra, '--format', t, ref])).stdout;
      assert.equal(await f('{{.Id}}'), `${image.manifest.digest}\n`);
      assert.equal(await f('{{.Digest}}'), `${image.manifest.digest}\n`);
      assert.equal(await f('{{json .RepoTags}}'), remote ? `["${REF}"]\n` : `["${REPO}:alias","${REF}"]\n`);
      assert.equal(await f('{{json .RepoDigests}}'), `["${REPO}@${image.manifest.digest}"]\n`);
      assert.equal(await f('{{.Created}}'), '2024-01-01T00:00:00Z\n');
      assert.equal(await f('{{.Architecture}} {{.Os}} [{{.Variant}}]'), 'amd64 linux []\n');
      assert.equal(await f('{{.Size}}'), `${size}\n`);
      assert.equal(await f('{{json .Config.Env}}'), '["PATH=/bin","A=1"]\n');
      assert.equal(await f('{{.Config.Env}}'), '[PATH=/bin A=1]\n');
      assert.equal(await f('{{json .Config.Labels}}'), '{"io.regctl.test.seed":"format","org.opencontainers.image.title":"golden"}\n');
      assert.equal(await f('{{index .Config.Labels "org.opencontainers.image.title"}}'), 'golden\n');
      assert.equal(await f('{{.Config.Entrypoint}} {{json .Config.Cmd}}'), '[/bin/sh -c] ["run"]\n');
      assert.equal(await f('{{.Config.User}}:{{.Config.WorkingDir}}'), 'svc:/work\n');
      assert.equal(await f('{{range .Config.Env}}<{{.}}>{{end}}'), '<PATH=/bin><A=1>\n');
      assert.equal(await f('{{join .Config.Entrypoint " "}}'), '/bin/sh -c\n');
      assert.equal(await f('{{if .Config.Volumes}}vol{{else}}none{{end}} {{json .Config.Volumes}}'), 'none null\n');
      const multi = `${reg.host}/team/multi:v1`;
      assert.equal(await f('{{.Os}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}}', multi, ['--platform', 'linux/arm/v7']), 'linux/arm/v7\n');
      assert.equal(
        await f('{{.Id}} {{json .Platforms}}', multi, ['--platform', 'linux/arm64']),
        `${index.index.digest} ["linux/amd64","linux/arm64/v8","linux/arm/v7"]\n`,
      );
    });
  }

  it('digest, tags and catalog', async () => {
    const d = await regctl([...C, 'digest', '--format', '{{.Name}} {{.Digest}} {{.MediaType}} {{.Size}}', REF]);
    assert.equal(d.stdout, `${REF} ${image.manifest.digest} application/vnd.oci.image.manifest.v1+json ${image.manifestBytes.length}\n`);
    const t = await regctl([...C, 'tags', '--format', '{{.Repository}} {{.Tag}} {{.Name}}', REPO]);
    assert.deepEqual(t.stdout.trim().split('\n').sort(), [`${REPO} v1 ${REPO}:v1`, `${REPO} v2 ${REPO}:v2`]);
    const table = await regctl([...C, 'tags', '--format', 'table {{.Tag}}', REPO]);
    assert.equal(table.stdout.split('\n')[0], 'TAG');
    const c = await regctl([...C, 'catalog', '--format', '{{.Registry}} {{.Repository}} {{.Name}}', reg.host]);
    assert.equal(c.stdout, `${reg.host} team/golden ${REPO}\n${reg.host} team/multi ${reg.host}/team/multi\n`);
    assert.equal(
      (await regctl([...C, 'catalog', '--format', 'json', reg.host])).stdout.split('\n')[0],
      `{"Registry":"${reg.host}","Repository":"team/golden","Name":"${REPO}"}`,
    );
  });

  it('a bad template is exit 2 naming the position, before any request', async () => {
    await reg.clearAccessLog();
    const r = await regctl([...C, 'digest', '--format', '{{.Name}} {{.Digest', REF], 2);
    assert.match(r.stderr, /^Error: invalid --format template at line 1, column 11: unclosed action\n$/);
    assert.deepEqual(await reg.accessLog(), []);
    assert.match((await regctl([...C, 'images', '--format', '{{.Nope}}'], 2)).stderr, /line 1, column 3: can't evaluate field Nope/);
    assert.match((await regctl([...C, 'inspect', '--format', '{{upper .Id | nope}}', REF], 2)).stderr, /column 15: function "nope" not defined/);
    assert.match((await regctl([...C, 'tags', '--format', '{{range .Tag}}', REPO], 2)).stderr, /has no \{\{end\}\}/);
    assert.match((await regctl([...C, 'catalog', '--format', '{{if}}', reg.host], 2)).stderr, /column 5: missing value for if/);
  });
});
