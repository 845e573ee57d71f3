/**
 * Push and copy benchmark (not a test): `regctl push` against `skopeo copy oci:… docker://…` into
 * a fresh registry, and `regctl copy` registry A → B against `skopeo copy docker://… docker://…`,
 * alternating, fresh destination registry every run; then a within-registry `regctl copy`, checked
 * from the access log to move no blob bytes.
 * `node dist/bench/push-copy-bench.js [--layers N] [--layer-mib M] [--rounds R] [--large]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { LayoutStore } from '../src/layout/layout-store.js';
import { REGCTL_BIN } from '../test/support/cli.js';
import { buildRandomImage } from '../test/support/random-image.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../test/support/registry.js';
import { skopeoCopy } from '../test/support/skopeo.js';
import { requireTool } from '../test/support/tools.js';
import { dropSkopeoBlobCache, flagValue, fmtMiB, fmtS, measure, median, RSS_METHOD, type Measurement } from './lib/measure.js';

const MiB = 1024 * 1024;

interface Args {
  layers: number;
  layerSize: number;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string): string | undefined => flagValue(argv, flag);
  return {
    layers: Number(value('--layers') ?? 4),
    layerSize: (argv.includes('--large') ? 256 : Number(value('--layer-mib') ?? 64)) * MiB,
    rounds: Number(value('--rounds') ?? 3),
  };
}

/** Bytes the registry received as blob uploads is not logged; count the upload requests and blob reads instead. */
function blobTraffic(log: AccessEntry[]): { uploads: number; reads: number; mounts: number } {
  return {
    uploads: log.filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.path.includes('/blobs/uploads/')).length,
    reads: log.filter((e) => e.method === 'GET' && /\/blobs\/sha256:/.test(e.path)).length,
    mounts: log.filter((e) => e.method === 'POST' && e.query.includes('mount=') && e.status === 201).length,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const skopeo = requireTool('skopeo');
  const scratch = mkdtempSync(join(tmpdir(), 'regctl-bench-push-'));
  const authFile = join(scratch, 'auth.json');
  writeFileSync(authFile, '{"auths":{}}\n');
  const cache = join(scratch, 'cache');
  const layout = join(scratch, 'layout');
  const env = { PATH: process.env['PATH'], HOME: scratch, XDG_CONFIG_HOME: join(scratch, 'config'), DOCKER_CONFIG: join(scratch, 'docker') };
  const skopeoEnv = { ...process.env, REGISTRY_AUTH_FILE: authFile };
  const source = await startRegistry({ mode: 'open' });
  const live = new Set<RunningRegistry>([source]);
  const fresh = async (): Promise<RunningRegistry> => {
    const r = await startRegistry({ mode: 'open' });
    live.add(r);
    return r;
  };
  const drop = async (r: RunningRegistry): Promise<void> => {
    live.delete(r);
    await r.stop();
  };
  try {
    process.stderr.write(`building ${args.layers} × ${args.layerSize / MiB} MiB random image…\n`);
    // The same image in an OCI layout (skopeo's push source) and in regctl's cache (its push source).
    const store = await LayoutStore.open(layout, { create: true });
    const img = await buildRandomImage(store, { seed: `bench-push-${args.layerSize}`, layers: args.layers, layerSize: args.layerSize, tag: 'v1' });
    execFileSync(process.execPath, [REGCTL_BIN, '--cache-dir', cache, '--progress', 'none', 'copy', `oci:${layout}:v1`, `oci:${cache}:bench.local/app:v1`], {
      env,
    });
    dropSkopeoBlobCache();
    await skopeoCopy(`oci:${layout}:v1`, `docker://${source.host}/bench/app:v1`, { timeoutMs: 600_000 });

    const runs = { pushR: [] as Measurement[], pushS: [] as Measurement[], copyR: [] as Measurement[], copyS: [] as Measurement[] };
    for (let round = 0; round <= args.rounds; round++) {
      const counted = round > 0;
      // Alternate which tool goes first, so neither always meets a warmer page cache.
      const order = round % 2 === 0 ? ['regctl', 'skopeo'] : ['skopeo', 'regctl'];
      const line: string[] = [];
      for (const tool of order) {
        const dst = await fresh();
        execFileSync('sync');
        let m: Measurement;
        if (tool === 'regctl') {
          // A fresh registry per run; forget earlier runs' blob sources so nothing is mounted.
          rmSync(join(cache, '.regctl'), { recursive: true, force: true });
          execFileSync(process.execPath, [REGCTL_BIN, '--cache-dir', cache, 'tag', 'bench.local/app:v1', `${dst.host}/bench/app:v1`], { env });
          m = await measure(process.execPath, [REGCTL_BIN, '--cache-dir', cache, '--progress', 'none', 'push', `${dst.host}/bench/app:v1`], env);
          execFileSync(process.execPath, [REGCTL_BIN, '--cache-dir', cache, 'rmi', `${dst.host}/bench/app:v1`], { env });
        } else {
          dropSkopeoBlobCache();
          m = await measure(
            skopeo,
            ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-no-creds', `oci:${layout}:v1`, `docker://${dst.host}/bench/app:v1`],
            skopeoEnv,
          );
        }
        if (m.code !== 0) throw new Error(`${tool} push failed (${m.code}): ${m.stderr}`);
        const t = blobTraffic(await dst.accessLog());
        if (t.uploads < args.layers + 1) throw new Error(`${tool} push uploaded ${t.uploads} blobs, expected ${args.layers + 1}`);
        await drop(dst);
        if (counted) (tool === 'regctl' ? runs.pushR : runs.pushS).push(m);
        line.push(`push ${tool} ${fmtS(m.wallMs)}`);
      }
      for (const tool of order) {
        const dst = await fresh();
        execFileSync('sync');
        const from = `${source.host}/bench/app:v1`;
        const to = `${dst.host}/bench/app:v1`;
        let m: Measurement;
        if (tool === 'regctl') {
          m = await measure(process.execPath, [REGCTL_BIN, '--cache-dir', join(scratch, 'unused-cache'), '--progress', 'none', 'copy', from, to], env);
        } else {
          dropSkopeoBlobCache();
          m = await measure(
            skopeo,
            [
              '--insecure-policy',
              'copy',
              '--src-tls-verify=false',
              '--src-no-creds',
              '--dest-tls-verify=false',
              '--dest-no-creds',
              `docker://${from}`,
              `docker://${to}`,
            ],
            skopeoEnv,
          );
        }
        if (m.code !== 0) throw new Error(`${tool} copy failed (${m.code}): ${m.stderr}`);
        await drop(dst);
        if (counted) (tool === 'regctl' ? runs.copyR : runs.copyS).push(m);
        line.push(`copy ${tool} ${fmtS(m.wallMs)}`);
      }
      process.stderr.write(`${counted ? `round ${round}` : 'warm-up'}: ${line.join(', ')}\n`);
    }

    await source.clearAccessLog();
    const within = await measure(
      process.execPath,
      [
        REGCTL_BIN,
        '--cache-dir',
        join(scratch, 'unused-cache'),
        '--progress',
        'none',
        'copy',
        `${source.host}/bench/app:v1`,
        `${source.host}/bench/mounted:v1`,
      ],
      env,
    );
    if (within.code !== 0) throw new Error(`regctl copy within a registry failed: ${within.stderr}`);
    const t = blobTraffic(await source.accessLog());
    const noBytes = t.uploads === 0 && t.reads === 0 && t.mounts === args.layers + 1;

    const total = (args.layers * args.layerSize) / MiB;
    const row = (name: string, ms: Measurement[]): string => {
      const med = median(ms.map((m) => m.wallMs));
      return `| ${name} | ${ms.map((m) => fmtS(m.wallMs)).join(', ')} | ${fmtS(med)} | ${(total / (med / 1000)).toFixed(0)} MiB/s | ${fmtMiB(median(ms.map((m) => m.peakRssKiB)))} |`;
    };
    const ratio = (r: Measurement[], s: Measurement[]): string => (median(r.map((m) => m.wallMs)) / median(s.map((m) => m.wallMs))).toFixed(2);
    const lines = [
      `image: ${args.layers} × ${args.layerSize / MiB} MiB random layers (${img.manifest.digest}), ${args.rounds} rounds after a warm-up round, alternating order, a fresh loopback registry (distribution, plain HTTP) per run`,
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}; peak RSS via ${RSS_METHOD}`,
      '',
      '| run | times | median | throughput | median peak RSS |',
      '|---|---|---|---|---|',
      row('regctl push (cache → fresh registry)', runs.pushR),
      row('skopeo copy oci: → docker://', runs.pushS),
      row('regctl copy registry A → B', runs.copyR),
      row('skopeo copy docker:// → docker://', runs.copyS),
      '',
      `ratio regctl/skopeo (median wall time): push ${ratio(runs.pushR, runs.pushS)} (target ≤ 1.0), copy ${ratio(runs.copyR, runs.copyS)} (target ≤ 0.8)`,
      `within-registry regctl copy: ${fmtS(within.wallMs)}, ${t.mounts} blobs mounted, ${t.uploads} blob upload requests, ${t.reads} blob reads → ${noBytes ? 'no blob bytes moved' : 'BLOB BYTES MOVED'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!noBytes) process.exitCode = 1;
  } finally {
    for (const r of live) await r.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`push-copy-bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
