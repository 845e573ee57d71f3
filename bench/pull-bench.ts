/**
 * Pull benchmark (not a test): `regctl pull` against `skopeo copy docker://… oci:DIR:tag`, same
 * machine, same image, alternating, fresh destination each round. `npm run bench [-- --large]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { tempLayout } from '../test/support/layout-check.js';
import { buildRandomImage } from '../test/support/random-image.js';
import { startRegistry } from '../test/support/registry.js';
import { skopeoCopy } from '../test/support/skopeo.js';
import { REGCTL_BIN } from '../test/support/cli.js';
import { requireTool } from '../test/support/tools.js';
import { dropSkopeoBlobCache, flagValue, fmtMiB, fmtS, measure, median, RSS_METHOD, type Measurement } from './lib/measure.js';

const MiB = 1024 * 1024;

interface Args {
  layers: number;
  layerSize: number;
  rounds: number;
  concurrency: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string): string | undefined => flagValue(argv, flag);
  const concurrency = value('--concurrency');
  return {
    layers: Number(value('--layers') ?? 4),
    layerSize: (argv.includes('--large') ? 256 : Number(value('--layer-mib') ?? 64)) * MiB,
    rounds: Number(value('--rounds') ?? 3),
    concurrency: concurrency ? Number(concurrency) : undefined,
  };
}

/** Writes dirty pages out (untimed), so one run's writeback does not land in the next run's time. */
function settle(): void {
  execFileSync('sync');
}

function countBlobs(dir: string): number {
  return readdirSync(join(dir, 'blobs', 'sha256')).length;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const skopeo = requireTool('skopeo');
  const scratch = mkdtempSync(join(tmpdir(), 'regctl-bench-'));
  const authFile = join(scratch, 'auth.json');
  writeFileSync(authFile, '{"auths":{}}\n');
  const reg = await startRegistry({ mode: 'open' });
  try {
    process.stderr.write(`building ${args.layers} × ${args.layerSize / MiB} MiB random image…\n`);
    const src = await tempLayout('regctl-bench-src-');
    const img = await buildRandomImage(src.store, { seed: `bench-${args.layerSize}`, layers: args.layers, layerSize: args.layerSize, tag: 'v1' });
    process.stderr.write(`pushing ${img.manifest.digest} with skopeo…\n`);
    dropSkopeoBlobCache();
    await skopeoCopy(`oci:${src.dir}:v1`, `docker://${reg.host}/bench/app:v1`, { timeoutMs: 600_000 });
    await src.cleanup();
    const ref = `${reg.host}/bench/app:v1`;
    const expectedBlobs = args.layers + 2;

    const regctl: Measurement[] = [];
    const skopeoRuns: Measurement[] = [];
    // Round 0 warms the registry's page cache and both binaries and is not counted.
    for (let round = 0; round <= args.rounds; round++) {
      const cache = mkdtempSync(join(scratch, 'regctl-cache-'));
      settle();
      const r = await measure(
        process.execPath,
        [REGCTL_BIN, 'pull', '--progress', 'none', '--cache-dir', cache, ...(args.concurrency ? ['--concurrency', String(args.concurrency)] : []), ref],
        {
          PATH: process.env['PATH'],
          HOME: scratch,
          XDG_CONFIG_HOME: join(scratch, 'config'),
          DOCKER_CONFIG: join(scratch, 'docker'),
        },
      );
      if (r.code !== 0) throw new Error(`regctl pull failed (${r.code}): ${r.stderr}`);
      if (countBlobs(cache) !== expectedBlobs) throw new Error(`regctl cache holds ${countBlobs(cache)} blobs, expected ${expectedBlobs}`);
      rmSync(cache, { recursive: true, force: true });
      if (round > 0) regctl.push(r);

      const dir = join(scratch, `skopeo-${round}`);
      dropSkopeoBlobCache();
      settle();
      const s = await measure(skopeo, ['--insecure-policy', 'copy', '--src-tls-verify=false', '--src-no-creds', `docker://${ref}`, `oci:${dir}:v1`], {
        ...process.env,
        REGISTRY_AUTH_FILE: authFile,
      });
      if (s.code !== 0) throw new Error(`skopeo copy failed (${s.code}): ${s.stderr}`);
      if (countBlobs(dir) !== expectedBlobs) throw new Error(`skopeo layout holds ${countBlobs(dir)} blobs, expected ${expectedBlobs}`);
      rmSync(dir, { recursive: true, force: true });
      if (round > 0) skopeoRuns.push(s);
      process.stderr.write(
        `${round > 0 ? `round ${round}` : 'warm-up'}: regctl ${fmtS(r.wallMs)} ${fmtMiB(r.peakRssKiB)}, skopeo ${fmtS(s.wallMs)} ${fmtMiB(s.peakRssKiB)}\n`,
      );
    }

    const rt = median(regctl.map((m) => m.wallMs));
    const st = median(skopeoRuns.map((m) => m.wallMs));
    const total = (args.layers * args.layerSize) / MiB;
    const row = (name: string, runs: Measurement[], t: number): string =>
      `| ${name} | ${runs.map((m) => fmtS(m.wallMs)).join(', ')} | ${fmtS(t)} | ${(total / (t / 1000)).toFixed(0)} MiB/s | ${fmtMiB(median(runs.map((m) => m.peakRssKiB)))} | ${fmtMiB(Math.max(...runs.map((m) => m.peakRssKiB)))} |`;
    const lines = [
      `image: ${args.layers} × ${args.layerSize / MiB} MiB random layers (${img.manifest.digest}), ${args.rounds} rounds after a warm-up round, loopback registry (distribution, plain HTTP)`,
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}; peak RSS via ${RSS_METHOD}`,
      '',
      '| tool | runs | median | throughput | median peak RSS | max peak RSS |',
      '|---|---|---|---|---|---|',
      row('regctl pull', regctl, rt),
      row('skopeo copy docker:// → oci:', skopeoRuns, st),
      '',
      `ratio regctl/skopeo (median wall time): ${(rt / st).toFixed(2)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await reg.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`pull-bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
