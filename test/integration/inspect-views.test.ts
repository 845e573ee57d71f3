import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import type { RandomImage, RandomIndex } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeo } from '../support/skopeo.js';
import { regctl, seedImage, seedIndex, THREE_PLATFORMS } from './push-support.js';

/** The rich image's container settings and history (two layers; one history entry without a layer). */
export const RICH_CONFIG = {
  User: 'app',
  WorkingDir: '/srv',
  Entrypoint: ['/bin/app'],
  Cmd: ['--serve'],
  ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
  Env: ['PATH=/usr/bin:/bin', 'MODE=prod'],
  Labels: { 'org.opencontainers.image.title': 'rich' },
};
export const RICH_HISTORY = [
  { created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs.tar /' },
  { created: '2024-01-01T00:00:00Z', created_by: 'ENV MODE=prod', empty_layer: true },
  { created: '2024-01-01T00:00:00Z', created_by: 'COPY app /srv', comment: 'buildkit.dockerfile.v0' },
];

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function skopeoRawBytes(reg: RunningRegistry, ref: string, config = false): Promise<string> {
  return (await skopeo(['inspect', '--raw', ...(config ? ['--config'] : []), '--tls-verify=false', `docker://${reg.host}/${ref}`], { check: true })).stdout;
}

describe('regctl inspect --raw, --config and the text form', { timeout: 120_000 }, () => {
  let reg: RunningRegistry;
  let rich: RandomImage;
  let index: RandomIndex;
  const work = tempDir('regctl-inspect-views-');
  const C = ['--cache-dir', join(work.dir, 'cache')];

  before(async () => {
    reg = await startRegistry({ mode: 'open' });
    rich = await seedImage(reg, 'team/rich:v1', { seed: 'inspect-rich', layers: 2, layerSize: 3000, containerConfig: RICH_CONFIG, history: RICH_HISTORY });
    index = await seedIndex(reg, 'team/multi:v1', { seed: 'inspect-multi', platforms: THREE_PLATFORMS });
    await regctl([...C, 'pull', '-q', `${reg.host}/team/rich:v1`]);
    await regctl([...C, 'pull', '-q', '--all-platforms', `${reg.host}/team/multi:v1`]);
  });

  after(async () => {
    await reg?.stop();
    work.remove();
  });

  it('--raw prints the exact manifest bytes: they hash to the digest, cached and --remote, image and index', async () => {
    for (const [ref, digest] of [
      [`${reg.host}/team/rich:v1`, rich.manifest.digest],
      [`${reg.host}/team/multi:v1`, index.index.digest],
    ] as const) {
      for (const remote of [[], ['--remote']]) {
        const r = await runCli([...C, 'inspect', ...remote, '--raw', ref]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(sha256(Buffer.from(r.stdout, 'utf8')), digest);
        assert.equal(r.stdout, await skopeoRawBytes(reg, ref.slice(reg.host.length + 1)));
      }
    }
  });

  it('--config prints the config blob as pretty JSON, equal to what skopeo reads', async () => {
    const expected = JSON.parse(await skopeoRawBytes(reg, 'team/rich:v1', true)) as unknown;
    for (const remote of [[], ['--remote']]) {
      const r = await regctl([...C, 'inspect', ...remote, '--config', `${reg.host}/team/rich:v1`]);
      assert.deepEqual(JSON.parse(r.stdout), expected);
      assert.match(r.stdout, /^\{\n {2}"/);
    }
  });

  it('--config of an index takes --platform, else the host platform; a missing platform exits 3', async () => {
    const arm = JSON.parse((await regctl([...C, 'inspect', '--remote', '--config', '--platform', 'linux/arm64', `${reg.host}/team/multi:v1`])).stdout) as {
      architecture: string;
      variant: string;
    };
    assert.deepEqual([arm.architecture, arm.variant], ['arm64', 'v8']);
    const cached = JSON.parse((await regctl([...C, 'inspect', '--config', '--platform', 'linux/arm/v7', `${reg.host}/team/multi:v1`])).stdout) as {
      architecture: string;
    };
    assert.equal(cached.architecture, 'arm');
    const r = await regctl([...C, 'inspect', '--remote', '--config', '--platform', 'linux/s390x', `${reg.host}/team/multi:v1`], 3);
    assert.match(r.stderr, /no image for platform linux\/s390x/);
  });

  it('the text form shows user, working dir, ports, env, labels and the history newest first', async () => {
    for (const remote of [[], ['--remote']]) {
      const out = (await regctl([...C, 'inspect', ...remote, `${reg.host}/team/rich:v1`])).stdout;
      for (const line of [
        '  Entrypoint: ["/bin/app"]',
        '  Cmd:        ["--serve"]',
        '  User:       app',
        '  WorkingDir: /srv',
        '  ExposedPorts: 53/udp 8080/tcp',
        '  Env:\n    PATH=/usr/bin:/bin\n    MODE=prod',
        '  Labels:\n    io.regctl.test.seed=inspect-rich\n    org.opencontainers.image.title=rich',
      ]) {
        assert.ok(out.includes(`${line}\n`), `missing:\n${line}\nin:\n${out}`);
      }
      const history = out.slice(out.indexOf('  History (newest first'));
      const rows = history.split('\n').slice(1, 5);
      assert.match(rows[0] ?? '', /^ {4}CREATED +SIZE +CREATED BY$/);
      const layer = (i: number): string => {
        const size = rich.layers[i]!.size;
        return size >= 1000 ? `${(size / 1000).toPrecision(3).replace(/\.?0+$/, '')}kB` : `${size}B`;
      };
      assert.match(rows[1] ?? '', new RegExp(` ago +${layer(1)} +COPY app /srv  \\(buildkit\\.dockerfile\\.v0\\)$`));
      assert.match(rows[2] ?? '', / ago +0B +ENV MODE=prod$/);
      assert.match(rows[3] ?? '', new RegExp(` ago +${layer(0)} +ADD rootfs\\.tar /$`));
    }
  });

  it('one view at a time; the global --config DIR goes before the command', async () => {
    assert.match((await regctl([...C, 'inspect', '--raw', '--json', `${reg.host}/team/rich:v1`], 2)).stderr, /one of --raw, --config, --format and --json/);
    const cfg = join(work.dir, 'config');
    const r = await regctl([...C, '--config', cfg, 'inspect', '--config', `${reg.host}/team/rich:v1`]);
    assert.equal((JSON.parse(r.stdout) as { config: { User: string } }).config.User, 'app');
    await regctl([...C, 'inspect', `--config=${cfg}`, `${reg.host}/team/rich:v1`]);
    await regctl([...C, 'inspect', '--platform', 'linux', '--config', `${reg.host}/team/rich:v1`], 2);
  });
});
