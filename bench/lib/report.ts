import { fmtMiB, median, type Measurement } from './measure.js';
import { RSS_TARGET, TARGETS, type RowResult } from './row.js';

const MiB = 1024 * 1024;
const med = (runs: Measurement[], f: (m: Measurement) => number): number => median(runs.map(f));
const secs = (ms: number): string => `${(ms / 1000).toFixed(ms < 1000 ? 3 : 2)} s`;
const cpu = (runs: Measurement[]): string => {
  const c = med(runs, (m) => m.cpuMs);
  return Number.isNaN(c) ? '—' : secs(c);
};

/** The figure a row is judged by: regctl's median over the reference's, or regctl's median in seconds. */
export function figure(row: RowResult): number {
  const r = med(row.regctl.runs, (m) => m.wallMs);
  return row.goal === 'ratio' ? r / med(row.reference.runs, (m) => m.wallMs) : r / 1000;
}

function verdict(value: number, target: { mustReach: number; aim: number } | undefined): string {
  if (!target) return '—';
  if (value <= target.aim) return 'aim reached';
  return value <= target.mustReach ? 'met' : '**not met**';
}

/** The summary table (markdown), one line per row, then each row's runs and notes, then the RSS line. */
export function reportLines(rows: RowResult[]): string[] {
  const out = [
    '| figure | regctl median | reference | reference median | result | must reach | aim | verdict | regctl CPU | regctl peak RSS | reference peak RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const value = figure(row);
    const t = TARGETS[row.id];
    const shown = row.goal === 'ratio' ? value.toFixed(2) : `${value.toFixed(3)} s`;
    const unit = (n: number | undefined): string => (n === undefined ? '—' : row.goal === 'ratio' ? String(n) : `${n} s`);
    out.push(
      `| ${row.title} | ${secs(med(row.regctl.runs, (m) => m.wallMs))} | ${row.reference.label} | ${secs(med(row.reference.runs, (m) => m.wallMs))} | **${shown}** | ${unit(t?.mustReach)} | ${unit(t?.aim)} | ${verdict(value, t)} | ${cpu(row.regctl.runs)} | ${fmtMiB(med(row.regctl.runs, (m) => m.peakRssKiB))} | ${fmtMiB(med(row.reference.runs, (m) => m.peakRssKiB))} |`,
    );
  }
  const transfers = rows.filter((r) => r.bytes > 0);
  if (transfers.length) {
    const peaks = transfers.map((r) => ({ id: r.id, kib: Math.max(...r.regctl.runs.map((m) => m.peakRssKiB)) }));
    const worst = peaks.reduce((a, b) => (b.kib > a.kib ? b : a));
    const mib = worst.kib / 1024;
    out.push(
      '',
      `peak RSS of any regctl transfer: **${fmtMiB(worst.kib)}** (${worst.id}; by row: ${peaks.map((p) => `${p.id} ${fmtMiB(p.kib)}`).join(', ')}); must reach ≤ ${RSS_TARGET.mustReach} MiB, aim ${RSS_TARGET.aim} MiB: ${verdict(mib, RSS_TARGET)}`,
    );
  }
  out.push('', 'Runs (wall time; counted rounds only):');
  for (const row of rows) {
    const list = (runs: Measurement[]): string => runs.map((m) => (m.wallMs / 1000).toFixed(3)).join(', ');
    const rate = row.bytes ? `, ${(row.bytes / MiB / (med(row.regctl.runs, (m) => m.wallMs) / 1000)).toFixed(0)} MiB/s` : '';
    out.push(`- ${row.id}: ${row.regctl.label} ${list(row.regctl.runs)}${rate}; ${row.reference.label} ${list(row.reference.runs)}`);
    const split = orderSplit(row.regctl.runs, row.reference.runs);
    if (split) out.push(`  - ${split}`);
    for (const n of row.notes) out.push(`  - ${n}`);
  }
  return out;
}

/**
 * regctl's median after its own run and after the other tool's, when the rounds gave both: in a VM
 * that hands freed memory back to its host, the run after the other tool's GiB pays for fresh pages.
 */
function orderSplit(regctl: Measurement[], reference: Measurement[]): string | undefined {
  const after = (other: boolean): number[] => regctl.filter((m) => m.afterOther === other).map((m) => m.wallMs);
  const [own, other] = [after(false), after(true)];
  if (own.length === 0 || other.length === 0) return undefined;
  const ref = med(reference, (m) => m.wallMs);
  const show = (ms: number[]): string => {
    const m = median(ms);
    return `${(m / 1000).toFixed(3)} s (${(m / ref).toFixed(2)}, ${ms.length} runs)`;
  };
  return `regctl right after its own run ${show(own)}; right after the reference's ${show(other)}`;
}
