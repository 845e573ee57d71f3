import { copyReferrers } from '../content/referrers-copy.js';
import { RegctlError } from '../errors.js';
import { header } from '../http/transport.js';
import { Session } from '../session.js';
import { buildItem, type FieldPath } from '../sync/item-rules.js';
import { RateGate } from '../sync/rate-gate.js';
import { runSync } from '../sync/runner.js';
import { formatPath, readSyncFile } from '../sync/sync-file.js';
import type { Shard } from '../sync/plan.js';
import type { SyncEvent, SyncItem, SyncTotals } from '../sync/types.js';
import type { CommandIo } from './io.js';
import { copiedSubjects } from './copy-referrers.js';
import { referrerSink, referrerSource } from './referrer-ends.js';
import { openSyncEnds } from './sync-ends.js';
import { createSyncReport } from './sync-report.js';

/** Options of `regctl sync`: a file, or a source and a target on the command line. */
export interface SyncCommandOptions {
  /** A sync file (YAML or JSON); excludes source/target. */
  file?: string;
  /** SRC-REPO (or one image) and DST-REPO (or an image, or oci:DIR). */
  source?: string;
  target?: string;
  /** --tags REGEX (repeatable): tags matching any are taken. */
  tags?: string[];
  /** --platform (repeatable, comma-separated lists). */
  platforms?: string[];
  referrers?: boolean;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** Images in parallel; default 4. */
  jobs?: number;
  /** Requests in flight per registry (connections per host); default 8. */
  maxRequests?: number;
  /** Stop starting pulls from a host that says it has this many or fewer left; default 10. */
  ratelimitMin?: number;
  /** `I/N`: this run takes every N-th image, starting with the I-th. */
  shard?: string;
}

/** Parses `--shard I/N` (1 ≤ I ≤ N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new RegctlError('usage', `invalid --shard "${text}": expected I/N with 1 ≤ I ≤ N, e.g. 1/4`);
  return { index, count };
}

const FLAG_OF: Record<string, string> = { source: 'SRC-REPO', target: 'DST-REPO', tags: '--tags', platforms: '--platform' };

/** The one item of `sync SRC DST`, or a usage error naming the argument or flag at fault. */
function itemFromArguments(options: SyncCommandOptions): SyncItem {
  const raw = {
    source: options.source as string,
    target: options.target as string,
    ...(options.tags?.length ? { tags: { allow: options.tags } } : {}),
    ...(options.platforms?.length ? { platforms: options.platforms } : {}),
    ...(options.referrers ? { referrers: true } : {}),
  };
  const { item, problems } = buildItem(raw, {}, [], 'the command line');
  const first = problems[0];
  if (first) {
    const path: FieldPath = first.path;
    throw new RegctlError('usage', `${FLAG_OF[String(path[0])] ?? formatPath(path)}: ${first.message}`);
  }
  return item as SyncItem;
}

/**
 * Mirrors repositories and tags between registries (or into OCI directories): SPEC §7's `sync`.
 * Idempotent (HEAD both sides, copy only what differs), parallel (`jobs` images sharing one
 * session's connections and tokens, at most `maxRequests` requests in flight per registry), aware
 * of Docker Hub's pull limit, and it goes on past failures: the result of every image is reported
 * as it comes. Throws (exit 1, or 4 when every failure was an auth refusal) after the report when
 * any image failed; a bad file or flag is a usage error (exit 2) before anything is read.
 */
export async function sync(session: Session, options: SyncCommandOptions, io: CommandIo, onEvent?: (event: SyncEvent) => void): Promise<SyncTotals> {
  if (options.file !== undefined && (options.source !== undefined || options.target !== undefined)) {
    throw new RegctlError('usage', 'give a sync file, or a source and a target, not both');
  }
  if (options.file === undefined && (options.source === undefined || options.target === undefined)) {
    throw new RegctlError('usage', 'sync needs a file (regctl sync FILE) or a source and a target (regctl sync SRC-REPO DST-REPO)');
  }
  if (options.file !== undefined && (options.tags?.length || options.platforms?.length)) {
    throw new RegctlError('usage', '--tags and --platform go with SRC-REPO DST-REPO; a sync file says them per item (tags:, platforms:)');
  }
  const shard = options.shard !== undefined ? parseShard(options.shard) : undefined;
  let items = options.file !== undefined ? await readSyncFile(options.file) : [itemFromArguments(options)];
  if (options.referrers) items = items.map((i) => ({ ...i, referrers: true }));

  const gate = new RateGate(options.ratelimitMin ?? 10);
  // A session of its own: the same settings, with the per-registry request cap and the pull-limit reader.
  const connections = options.maxRequests ?? 8;
  const own = await Session.create({
    ...session.options,
    connections,
    onResponse: (res, req) => {
      const url = new URL(req.url);
      if (/\/v2\/.+\/manifests\//.test(url.pathname)) gate.observe(url.host, header(res, 'ratelimit-remaining'));
    },
  });
  const report = createSyncReport(io, {
    json: !!options.json,
    quiet: !!options.quiet,
    dryRun: !!options.dryRun,
    ...(options.shard ? { shard: options.shard } : {}),
  });
  let totals: SyncTotals;
  let firstFailure: string | undefined;
  try {
    totals = await runSync(items, openSyncEnds(own), {
      jobs: options.jobs ?? 4,
      concurrency: own.concurrency,
      connections,
      dryRun: !!options.dryRun,
      gate,
      // Referrers (signatures, SBOMs) of each copied image follow it, found as copy --referrers finds them.
      copyReferrers: async (_task, source, target, copied) => {
        await copyReferrers(referrerSource(source), referrerSink(target), await copiedSubjects(target, copied), {
          copy: { concurrency: own.concurrency },
          warn: (line) => io.err(line),
        });
      },
      ...(shard ? { shard } : {}),
      ...(io.progress ? { listener: io.progress } : {}),
      onEvent: (event) => {
        if (event.type === 'result') {
          report.result(event.result);
          if (event.result.status === 'failed') firstFailure ??= `${event.result.source}: ${event.result.reason ?? 'failed'}`;
        }
        onEvent?.(event);
      },
    });
  } finally {
    await own.close();
  }
  report.finish(totals);
  if (totals.failed > 0) {
    const allAuth = totals.authFailures === totals.failed;
    throw new RegctlError(allAuth ? 'auth' : 'failed', `sync: ${totals.failed} of ${totals.images} image(s) failed (first: ${firstFailure})`);
  }
  return totals;
}
