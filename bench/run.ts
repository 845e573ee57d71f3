/**
 * The benchmark harness (not a test): every row of issue 13's table, regctl beside the tool a user
 * would pick instead (skopeo; `node -e 0` for start-up; umoci for `images`), alternating, one
 * warm-up round and then ≥ 5 counted rounds, medians and ratios. See bench/README.md.
 *
 *   npm run bench                          pull 4 × 64 MiB (as before: --large, --layers, --layer-mib)
 *   npm run bench -- --all                 every row
 *   npm run bench -- --only pull-4x64,images --rounds 7 --images 2000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagValue } from './lib/measure.js';
import { loadLine, machineLines } from './lib/machine.js';
import { reportLines } from './lib/report.js';
import type { BenchContext, RowResult } from './lib/row.js';
import { ALL_ROWS, rowById } from './rows/index.js';

interface Args {
  rows: string[];
  rounds: number;
  concurrency: number | undefined;
  images: number;
}

const positive = (flag: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1, not "${text}"`);
  return n;
};

function parseArgs(argv: string[]): Args {
  const value = (flag: string): string | undefined => flagValue(argv, flag);
  const only = value('--only');
  // Without --all or --only, the pull row the old `npm run bench` ran, with its flags.
  const legacy = `pull-${positive('--layers', value('--layers'), 4)}x${argv.includes('--large') ? 256 : positive('--layer-mib', value('--layer-mib'), 64)}`;
  const rows = argv.includes('--all')
    ? ALL_ROWS
    : only
      ? only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [legacy];
  const concurrency = value('--concurrency');
  return {
    rows,
    rounds: positive('--rounds', value('--rounds'), 5),
    concurrency: concurrency === undefined ? undefined : positive('--concurrency', concurrency, 4),
    images: positive('--images', value('--images'), 1000),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows = args.rows.map(rowById);
  const scratch = mkdtempSync(join(tmpdir(), 'regctl-bench-'));
  const ctx: BenchContext = {
    rounds: args.rounds,
    concurrency: args.concurrency,
    images: args.images,
    scratch,
    log: (l) => void process.stderr.write(`${l}\n`),
  };
  const before = loadLine();
  const started = new Date();
  const results: RowResult[] = [];
  try {
    for (const row of rows) {
      ctx.log(`== ${row.id} (load average ${loadLine()})`);
      results.push(await row.run(ctx));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const lines = [
    `regctl bench, ${started.toISOString()}: ${args.rounds} counted rounds after a warm-up round, tools alternating; loopback registries (distribution, plain HTTP)`,
    ...machineLines(),
    `load average (1 / 5 / 15 min): ${before} before, ${loadLine()} after`,
    '',
    ...reportLines(results),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
