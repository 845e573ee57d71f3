import type { BlobIngest } from '../content/types.js';
import { fetchRange, RangeRefused, type BlobSource } from './blob-range.js';

/** How a big blob may be split. */
export interface SegmentPlan {
  /** Segments in flight at once (the first stream included). */
  connections: number;
  /** Bytes per segment request. */
  segmentBytes: number;
}

/**
 * A stream slower than this may be one a CDN or object store caps per connection; loopback and LAN
 * streams run far above it, and there parallel segments only cost CPU (sha256 runs in order).
 */
export const SLOW_STREAM_BYTES_PER_S = 64 * 1024 * 1024;
/** How long a stream is watched before it is judged, and again after that. */
const WINDOW_MS = 500;
/** Above this event-loop utilisation the process itself is the bottleneck: more connections would not help. */
const BUSY_LOOP = 0.5;

function split(from: number, to: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = from; at < to; at += size) out.push([at, Math.min(to, at + size)]);
  return out;
}

/**
 * Fetches what a big blob is missing, splitting it into parallel Range segments when that can help.
 * Holes left by an earlier split run are fetched as segments straight away. Otherwise one stream
 * starts, and while it is slow (below {@link SLOW_STREAM_BYTES_PER_S}) with the event loop mostly
 * idle — the link, not this process, is the limit — its end is pulled in and the rest goes to
 * segments, `connections` at a time. The first segment asked of a registry not yet seen answering
 * 206 goes alone: a 200 (ranges ignored) puts the rest back on the one stream. Resolves true when
 * segments were used.
 */
export async function fetchSplitting(src: BlobSource, ingest: BlobIngest, plan: SegmentPlan, onRefused: () => void): Promise<boolean> {
  const stopAll = new AbortController();
  const each: BlobSource = { ...src, signal: stopAll.signal };
  const queue: Array<[number, number]> = [];
  let failure: unknown;
  let rangesOk = false;
  let used = false;
  const running: Promise<void>[] = [];
  const guard = (p: Promise<void>): void => {
    running.push(
      p.catch((err: unknown) => {
        if (failure !== undefined) return;
        failure = err;
        stopAll.abort(err);
      }),
    );
  };
  let restore = (): void => undefined;
  // A 200 to a segment: ranges are not honoured after all. What is left goes back to one stream.
  const refused = (): void => {
    queue.splice(0);
    onRefused();
    restore();
  };
  const drain = async (): Promise<void> => {
    for (let piece = queue.shift(); piece && failure === undefined; piece = queue.shift()) {
      try {
        await fetchRange(each, ingest, piece[0], piece[1], { wholeAllowed: false });
      } catch (err) {
        if (!(err instanceof RangeRefused)) throw err;
        refused();
      }
    }
  };
  // Segments: the first one alone unless ranges are known to work, then the others.
  const startSegments = (workers: number): void => {
    used = true;
    const probe = rangesOk ? undefined : queue.shift();
    let confirm!: () => void;
    const confirmed = new Promise<void>((resolve) => {
      confirm = resolve;
    });
    if (!probe) confirm();
    else {
      guard(
        fetchRange(each, ingest, probe[0], probe[1], { wholeAllowed: false, onPartial: confirm })
          .then(() => drain())
          .catch((err: unknown) => {
            confirm();
            if (!(err instanceof RangeRefused)) throw err;
            refused();
          }),
      );
    }
    for (let i = probe ? 1 : 0; i < workers; i++) guard(confirmed.then(() => (queue.length > 0 ? drain() : undefined)));
  };

  const gaps = ingest.missing();
  if (gaps.length > 1) {
    for (const [a, b] of gaps) queue.push(...split(a, b, plan.segmentBytes));
    startSegments(plan.connections);
  } else if (gaps[0]) {
    const [start, stop] = gaps[0];
    let end = stop;
    let pos = start;
    let windowStart = 0;
    let windowPos = start;
    let elu = performance.eventLoopUtilization();
    const watch = setInterval(() => {
      const now = performance.now();
      if (windowStart === 0 || now - windowStart < WINDOW_MS) return;
      const rate = ((pos - windowPos) * 1000) / (now - windowStart);
      const busy = performance.eventLoopUtilization(elu).utilization;
      windowStart = now;
      windowPos = pos;
      elu = performance.eventLoopUtilization();
      if (rate >= SLOW_STREAM_BYTES_PER_S || busy > BUSY_LOOP) return;
      clearInterval(watch);
      // The stream keeps two segments' worth, so it is not cut before the first segment answers.
      const cut = Math.min(stop, pos + 2 * plan.segmentBytes);
      if (stop - cut < plan.segmentBytes) return;
      end = cut;
      restore = () => {
        end = stop;
      };
      queue.push(...split(cut, stop, plan.segmentBytes));
      startSegments(plan.connections - 1);
    }, WINDOW_MS / 5);
    watch.unref();
    guard(
      fetchRange(each, ingest, start, stop, {
        end: () => end,
        onPartial: () => {
          rangesOk = true;
        },
        onPosition: (p) => {
          pos = p;
          if (windowStart === 0) windowStart = performance.now();
        },
      })
        .then(() => drain())
        .finally(() => clearInterval(watch)),
    );
  }
  // Workers started later (by the watch) are awaited too.
  for (let i = 0; i < running.length; i++) await running[i];
  if (failure !== undefined) throw failure;
  return used;
}
