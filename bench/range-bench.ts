/**
 * Parallel Range segments benchmark (not a test): `regctl pull` of one big layer through a proxy
 * that caps each connection's rate (as CDNs and object stores do), with 1, 2, 4 and 8 segments in
 * flight, alternating, fresh cache each run. `node dist/bench/range-bench.js [--layer-mib 256]
 * [--rate-mib 20] [--rounds 3] [--connections 1,2,4,8]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGCTL_BIN } from '../test/support/cli.js';
import { tempLayout } from '../test/support/layout-check.js';
import { buildRandomImage } from '../test/support/random-image.js';
import { startRegistry } from '../test/support/registry.js';
import { skopeoCopy } from '../test/support/skopeo.js';
import { startThrottleProxy } from '../test/support/throttle-proxy.js';
import { flagValue, fmtMiB, fmtS, measure, median, type Measurement } from './lib/measure.js';

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const layerMiB = Number(flagValue(argv, '--layer-mib') ?? 256);
  const rateMiB = Number(flagValue(argv, '--rate-mib') ?? 20);
  const rounds = Number(flagValue(argv, '--rounds') ?? 3);
  const connections = (flagValue(argv, '--connections') ?? '1,2,4,8').split(',').map(Number);
  const scratch = mkdtempSync(join(tmpdir(), 'regctl-range-bench-'));
  const reg = await startRegistry({ mode: 'open' });
  const proxy = await startThrottleProxy(reg.url, { bytesPerSecond: rateMiB * MiB });
  try {
    process.stderr.write(`building and pushing one ${layerMiB} MiB layer…\n`);
    const src = await tempLayout('regctl-range-src-');
    await buildRandomImage(src.store, { seed: `range-${layerMiB}`, layers: 1, layerSize: layerMiB * MiB, tag: 'v1' });
    await skopeoCopy(`oci:${src.dir}:v1`, `docker://${reg.host}/bench/range:v1`, { timeoutMs: 600_000 });
    await src.cleanup();
    const ref = `${proxy.host}/bench/range:v1`;
    const runs = new Map<number, Measurement[]>(connections.map((n) => [n, []]));
    const loads: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order each round so no setting always runs on a warmer machine.
      const order = round % 2 ? connections : [...connections].reverse();
      for (const n of order) {
        const cache = mkdtempSync(join(scratch, 'cache-'));
        execFileSync('sync');
        loads.push(loadavg()[0] ?? 0);
        const m = await measure(process.execPath, [REGCTL_BIN, '--chunk-connections', String(n), 'pull', '--progress', 'none', '--cache-dir', cache, ref], {
          PATH: process.env['PATH'],
          HOME: scratch,
        });
        rmSync(cache, { recursive: true, force: true });
        if (m.code !== 0) throw new Error(`pull with ${n} segment(s) failed (${m.code}): ${m.stderr}`);
        runs.get(n)?.push(m);
        process.stderr.write(`round ${round}: ${n} segment(s) ${fmtS(m.wallMs)} ${fmtMiB(m.peakRssKiB)}\n`);
      }
    }
    const base = median((runs.get(connections[0] as number) ?? []).map((m) => m.wallMs));
    const lines = [
      `one ${layerMiB} MiB layer through a proxy capping each connection at ${rateMiB} MiB/s; ${rounds} rounds, alternating; ${cpus().length} cores, load average ${median(loads).toFixed(1)} (median at run starts)`,
      '',
      '| segments in flight | runs | median | throughput | speed-up | median peak RSS |',
      '|---|---|---|---|---|---|',
      ...connections.map((n) => {
        const ms = runs.get(n) ?? [];
        const t = median(ms.map((m) => m.wallMs));
        return `| ${n} | ${ms.map((m) => fmtS(m.wallMs)).join(', ')} | ${fmtS(t)} | ${(layerMiB / (t / 1000)).toFixed(0)} MiB/s | ${(base / t).toFixed(2)}× | ${fmtMiB(median(ms.map((m) => m.peakRssKiB)))} |`;
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await proxy.close();
    await reg.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`range-bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
