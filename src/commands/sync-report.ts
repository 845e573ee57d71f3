import type { SyncResult, SyncTotals } from '../sync/types.js';
import { humanSize } from './format.js';
import type { CommandIo } from './io.js';

/** How the report is written. */
export interface SyncReportOptions {
  json?: boolean;
  /** Text: only failed images and the totals line. */
  quiet?: boolean;
  dryRun?: boolean;
  /** `I/N` when the run is one shard. */
  shard?: string;
}

/** Writes a sync report to stdout as results come, holding none of them. */
export interface SyncReport {
  /** One image's result. */
  result(r: SyncResult): void;
  /** The totals; ends the report. */
  finish(totals: SyncTotals): void;
}

const WORDS: Record<SyncResult['status'], string> = {
  copied: 'copied',
  'up-to-date': 'up to date',
  'would-copy': 'would copy',
  skipped: 'skipped',
  failed: 'failed',
};

/** One image as a text line: `STATUS  SOURCE -> TARGET  DIGEST  detail`. */
export function resultLine(r: SyncResult): string {
  const status = WORDS[r.status].padEnd(10);
  const digest = r.digest ? `  ${r.digest}` : '';
  let detail = '';
  if (r.status === 'copied' && r.blobs)
    detail = `  ${r.blobs.copied} blob(s) copied (${humanSize(r.bytes ?? 0)}), ${r.blobs.mounted} mounted, ${r.blobs.skipped} present`;
  if (r.sourceDigest) detail += `  (filtered from ${r.sourceDigest})`;
  if (r.reason) detail += `  ${r.reason}`;
  return `${status}  ${r.source} -> ${r.target}${digest}${detail}`;
}

/** The closing line of a text report. */
export function totalsLine(t: SyncTotals, dryRun: boolean): string {
  const counts = dryRun ? [`${t.wouldCopy} would be copied`, `${t.upToDate} up to date`] : [`${t.copied} copied`, `${t.upToDate} up to date`];
  if (t.skipped) counts.push(`${t.skipped} skipped`);
  counts.push(`${t.failed} failed`);
  const head = `${dryRun ? 'Dry run, nothing written: ' : ''}${t.images} image(s): ${counts.join(', ')}`;
  const blobs = dryRun ? '' : `; ${t.blobs.copied} blob(s) copied (${humanSize(t.bytes)}), ${t.blobs.mounted} mounted, ${t.blobs.skipped} already present`;
  return `${head}${blobs}; ${t.seconds.toFixed(1)} s`;
}

/**
 * The report on stdout. Text: one line per image as it finishes, then the totals. `--json`: one
 * document, `{"dryRun", "shard", "results": [...], "totals": {...}}`, written as it goes (one
 * result a line) so a run over many thousands of tags holds none of them.
 */
export function createSyncReport(io: CommandIo, options: SyncReportOptions): SyncReport {
  if (options.json) {
    let first = true;
    io.out(`{"dryRun":${!!options.dryRun},"shard":${JSON.stringify(options.shard ?? null)},"results":[`);
    return {
      result: (r) => {
        io.out(`${first ? '' : ','}${JSON.stringify(r)}`);
        first = false;
      },
      finish: (t) => io.out(`],"totals":${JSON.stringify(t)}}`),
    };
  }
  return {
    result: (r) => {
      if (!options.quiet || r.status === 'failed') io.out(resultLine(r));
    },
    finish: (t) => io.out(totalsLine(t, !!options.dryRun)),
  };
}
