import { expandPlan, type PlanEntry } from './plan.js';
import { PushClaims } from './push-claims.js';
import { failure, runTask, type RunShared } from './run-task.js';
import type { SyncEnds, SyncItem, SyncResult, SyncRunOptions, SyncTotals } from './types.js';

/** Totals with nothing counted yet. */
export function emptyTotals(): SyncTotals {
  return {
    images: 0,
    copied: 0,
    upToDate: 0,
    wouldCopy: 0,
    skipped: 0,
    failed: 0,
    authFailures: 0,
    bytes: 0,
    blobs: { copied: 0, skipped: 0, mounted: 0 },
    seconds: 0,
  };
}

/** Adds one image's result to the totals. */
export function addResult(totals: SyncTotals, r: SyncResult): void {
  totals.images++;
  if (r.status === 'copied') totals.copied++;
  else if (r.status === 'up-to-date') totals.upToDate++;
  else if (r.status === 'would-copy') totals.wouldCopy++;
  else if (r.status === 'skipped') totals.skipped++;
  else {
    totals.failed++;
    if (r.kind === 'auth') totals.authFailures++;
  }
  totals.bytes += r.bytes ?? 0;
  totals.blobs.copied += r.blobs?.copied ?? 0;
  totals.blobs.skipped += r.blobs?.skipped ?? 0;
  totals.blobs.mounted += r.blobs?.mounted ?? 0;
}

function unlisted(entry: Extract<PlanEntry, { kind: 'unlisted' }>): SyncResult {
  return { index: entry.index, source: entry.source, target: entry.target, status: 'failed', ...failure(entry.error), seconds: 0 };
}

/**
 * Mirrors `items` through `ends`: the plan is expanded lazily and `jobs` images run at once (each
 * copying its blobs in parallel too), so a registry's connections and tokens are shared by all. A
 * failed image is reported and the run goes on; each result is handed to `onEvent` as it comes and
 * only the totals are kept, so memory does not grow with the number of tags.
 */
export async function runSync(items: readonly SyncItem[], ends: SyncEnds, options: SyncRunOptions = {}): Promise<SyncTotals> {
  const now = options.now ?? Date.now;
  const started = now();
  const totals = emptyTotals();
  const plan = expandPlan(items, ends, options.shard);
  const shared: RunShared = { claims: new PushClaims(), copies: new Map() };
  let planned = 0;
  let expanded = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = await plan.next();
      if (next.done) {
        if (!expanded) options.onEvent?.({ type: 'planned', total: planned });
        expanded = true;
        return;
      }
      planned++;
      const entry = next.value;
      const result = entry.kind === 'task' ? await runTask(entry.index, entry.task, ends, options, shared) : unlisted(entry);
      addResult(totals, result);
      options.onEvent?.({ type: 'result', result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 4) }, worker));
  totals.seconds = (now() - started) / 1000;
  return totals;
}
