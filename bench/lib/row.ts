import type { Measurement } from './measure.js';

/** What every row gets from the harness. */
export interface BenchContext {
  /** Counted rounds after one warm-up round (quick rows run several alternations per round). */
  rounds: number;
  /** --concurrency for regctl's transfers; regctl's default when absent. */
  concurrency: number | undefined;
  /** Cached images in the `images` row. */
  images: number;
  /** A scratch directory the harness removes at the end. */
  scratch: string;
  /** Progress lines (stderr). */
  log(line: string): void;
}

/** One tool's runs in a row. */
export interface Runs {
  /** How the row names the tool: "regctl pull", "skopeo copy docker:// → oci:". */
  label: string;
  runs: Measurement[];
}

/** What a row measured. */
export interface RowResult {
  id: string;
  /** As the table names it: "pull 4×64 MiB, fresh cache". */
  title: string;
  regctl: Runs;
  /** The tool regctl is compared with (skopeo, `node -e 0`, umoci). */
  reference: Runs;
  /** `ratio`: regctl's median over the reference's; `seconds`: regctl's median alone (the reference is shown beside it). */
  goal: 'ratio' | 'seconds';
  /** Bytes moved by a transfer row (throughput and the RSS summary); 0 for the others. */
  bytes: number;
  /** Lines printed under the table (checks made, extra figures). */
  notes: string[];
}

/** A row judged by regctl's median over the reference's (every row but `images`). */
export function ratioRow(id: string, title: string, regctl: Runs, reference: Runs, bytes = 0, notes: string[] = []): RowResult {
  return { id, title, regctl, reference, goal: 'ratio', bytes, notes };
}

/** A row of the benchmark table. */
export interface Row {
  id: string;
  run(ctx: BenchContext): Promise<RowResult>;
}

/** The "must reach" and "aim" per row (ratio or seconds). */
export const TARGETS: Record<string, { mustReach: number; aim: number }> = {
  'pull-4x64': { mustReach: 0.9, aim: 0.75 },
  'pull-4x256': { mustReach: 0.65, aim: 0.5 },
  'pull-1x512': { mustReach: 0.5, aim: 0.41 },
  'copy-4x256': { mustReach: 0.9, aim: 0.8 },
  'copy-4x64': { mustReach: 1.0, aim: 0.85 },
  'push-4x64': { mustReach: 0.8, aim: 0.75 },
  version: { mustReach: 1.3, aim: 1.1 },
  repull: { mustReach: 3, aim: 2 },
  images: { mustReach: 0.5, aim: 0.2 },
};

/** Peak RSS of any transfer, MiB: the last row. */
export const RSS_TARGET = { mustReach: 80, aim: 70 };
