/**
 * Sync benchmark (not a test): `regctl sync` against `skopeo sync` mirroring N tags of small images
 * between two local registries, alternating which tool goes first, a fresh destination registry per
 * run; each run is followed by a second, "nothing new" run of the same tool into the same
 * destination, timed as well.
 * `node dist/bench/sync-bench.js [--tags N] [--layer-kib K] [--rounds R] [--jobs J] [--memory-tags M]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { REGCTL_BIN } from '../test/support/cli.js';
import { HttpSink, listTags } from '../test/support/http-sink.js';
import { buildRandomImage } from '../test/support/random-image.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../test/support/registry.js';
import { requireTool } from '../test/support/tools.js';
import { dropSkopeoBlobCache, flagValue, fmtMiB, fmtS, measure, median, RSS_METHOD, type Measurement } from './lib/measure.js';

interface Args {
  tags: number;
  layerSize: number;
  rounds: number;
  jobs: number;
  /** With N > 0, also a dry run over --tags and over N tags, comparing peak RSS. */
  memoryTags: number;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string): string | undefined => flagValue(argv, flag);
  return {
    tags: Number(value('--tags') ?? 200),
    layerSize: Number(value('--layer-kib') ?? 16) * 1024,
    rounds: Number(value('--rounds') ?? 3),
    jobs: Number(value('--jobs') ?? 4),
    memoryTags: Number(value('--memory-tags') ?? 0),
  };
}

const writes = (log: AccessEntry[]): number => log.filter((e) => e.method !== 'GET' && e.method !== 'HEAD').length;

/**
 * Peak RSS of `regctl sync --dry-run` over a repository of `counts[i]` tags (all naming one image,
 * so seeding is cheap): flat memory means the larger plan costs no more than the smaller one.
 */
async function memoryCheck(source: RunningRegistry, env: NodeJS.ProcessEnv, counts: number[]): Promise<string[]> {
  const sink = new HttpSink(source.url, 'bench/many');
  const image = await buildRandomImage(sink, { seed: 'bench-sync-many', layers: 1, layerSize: 1024 });
  const out: string[] = ['', '| dry run over | wall time | peak RSS |', '|---|---|---|'];
  let tagged = 0;
  for (const count of counts) {
    process.stderr.write(`tagging ${count} tags for the memory check…\n`);
    for (; tagged < count; tagged++) await sink.tag(image.manifest, `t${tagged}`);
    const m = await measure(
      process.execPath,
      [REGCTL_BIN, '--progress', 'none', 'sync', '--dry-run', '--json', `${source.host}/bench/many`, `${source.host}/bench/nowhere`],
      env,
    );
    const results = (JSON.parse(m.stdout) as { results: unknown[] }).results.length;
    if (m.code !== 0 || results !== count) throw new Error(`dry run over ${count} tags: exit ${m.code}, ${results} results`);
    out.push(`| ${count} tags | ${fmtS(m.wallMs)} | ${fmtMiB(m.peakRssKiB)} |`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const skopeo = requireTool('skopeo');
  const scratch = mkdtempSync(join(tmpdir(), 'regctl-bench-sync-'));
  const authFile = join(scratch, 'auth.json');
  writeFileSync(authFile, '{"auths":{}}\n');
  const env = {
    PATH: process.env['PATH'],
    HOME: scratch,
    XDG_CONFIG_HOME: join(scratch, 'config'),
    XDG_CACHE_HOME: join(scratch, 'cache'),
    DOCKER_CONFIG: join(scratch, 'docker'),
  };
  const skopeoEnv = { ...process.env, REGISTRY_AUTH_FILE: authFile };
  const source = await startRegistry({ mode: 'open' });
  const live = new Set<RunningRegistry>([source]);
  try {
    process.stderr.write(`seeding ${args.tags} images (one ${args.layerSize / 1024} KiB layer each)…\n`);
    const sink = new HttpSink(source.url, 'bench/app');
    for (let i = 0; i < args.tags && args.rounds > 0; i++)
      await buildRandomImage(sink, { seed: `bench-sync-${i}`, layers: 1, layerSize: args.layerSize, tag: `v${i}` });

    const runs = { fullR: [] as Measurement[], fullS: [] as Measurement[], againR: [] as Measurement[], againS: [] as Measurement[] };
    let againWrites = { regctl: 0, skopeo: 0 };
    const from = `${source.host}/bench/app`;
    // --rounds 0: only the memory check.
    for (let round = 0; round <= args.rounds && args.rounds > 0; round++) {
      const counted = round > 0;
      const order = round % 2 === 0 ? ['regctl', 'skopeo'] : ['skopeo', 'regctl'];
      const line: string[] = [];
      for (const tool of order) {
        const dst = await startRegistry({ mode: 'open' });
        live.add(dst);
        const once = async (): Promise<Measurement> => {
          execFileSync('sync');
          if (tool === 'regctl')
            return measure(process.execPath, [REGCTL_BIN, '--progress', 'none', 'sync', '--jobs', String(args.jobs), from, `${dst.host}/bench/app`], env);
          dropSkopeoBlobCache();
          // skopeo names the destination DEST/<last path component>: bench/app.
          return measure(
            skopeo,
            [
              '--insecure-policy',
              'sync',
              '--src',
              'docker',
              '--dest',
              'docker',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              '--src-no-creds',
              '--dest-no-creds',
              from,
              `${dst.host}/bench`,
            ],
            skopeoEnv,
          );
        };
        const full = await once();
        if (full.code !== 0) throw new Error(`${tool} sync failed (${full.code}): ${full.stderr.slice(-2000)}`);
        const mirrored = await listTags(dst.url, 'bench/app');
        if (mirrored.length !== args.tags) throw new Error(`${tool} sync left ${mirrored.length} tags, expected ${args.tags}`);
        await dst.clearAccessLog();
        const again = await once();
        if (again.code !== 0) throw new Error(`${tool} second sync failed (${again.code}): ${again.stderr.slice(-2000)}`);
        const written = writes(await dst.accessLog());
        live.delete(dst);
        await dst.stop();
        if (counted) {
          (tool === 'regctl' ? runs.fullR : runs.fullS).push(full);
          (tool === 'regctl' ? runs.againR : runs.againS).push(again);
          againWrites = { ...againWrites, [tool]: written };
        }
        line.push(`${tool} ${fmtS(full.wallMs)} then ${fmtS(again.wallMs)} (${written} write requests)`);
      }
      process.stderr.write(`${counted ? `round ${round}` : 'warm-up'}: ${line.join(', ')} [load ${loadavg()[0]?.toFixed(1)}]\n`);
    }

    const row = (name: string, ms: Measurement[]): string =>
      `| ${name} | ${ms.map((m) => fmtS(m.wallMs)).join(', ')} | ${fmtS(median(ms.map((m) => m.wallMs)))} | ${(args.tags / (median(ms.map((m) => m.wallMs)) / 1000)).toFixed(0)} images/s | ${fmtMiB(median(ms.map((m) => m.peakRssKiB)))} |`;
    const ratio = (r: Measurement[], s: Measurement[]): string => (median(r.map((m) => m.wallMs)) / median(s.map((m) => m.wallMs))).toFixed(2);
    const lines =
      args.rounds === 0
        ? []
        : [
            `${args.tags} tags, each its own image (one ${args.layerSize / 1024} KiB random layer + config), registry → registry; ${args.rounds} rounds after a warm-up round, alternating order, a fresh loopback destination registry (distribution, plain HTTP) per run; regctl --jobs ${args.jobs}`,
            `machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}; peak RSS via ${RSS_METHOD}`,
            '',
            '| run | times | median | rate | median peak RSS |',
            '|---|---|---|---|---|',
            row('regctl sync, fresh destination', runs.fullR),
            row('skopeo sync, fresh destination', runs.fullS),
            row('regctl sync again, nothing new', runs.againR),
            row('skopeo sync again, nothing new', runs.againS),
            '',
            `ratio regctl/skopeo (median wall time): fresh ${ratio(runs.fullR, runs.fullS)}, nothing new ${ratio(runs.againR, runs.againS)}`,
            `write requests to the destination on the second run (last round): regctl ${againWrites.regctl}, skopeo ${againWrites.skopeo}`,
          ];
    if (args.memoryTags > 0) lines.push(...(await memoryCheck(source, env, [args.tags, args.memoryTags])));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const r of live) await r.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sync-bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
