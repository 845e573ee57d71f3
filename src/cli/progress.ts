import { shortId } from '../commands/format.js';
import type { CopyEvent, CopyListener } from '../content/types.js';
import type { RetryNotice } from '../http/retry-notice.js';
import { terminalSafe } from '../util/terminal-text.js';
import { LiveArea } from './live-area.js';
import { FOREIGN, phaseText, plainLayerLine, renderFrame, summaryLine, WORDS, type ProgressVerb } from './progress-frame.js';
import { applyEvent, isLayerish, newTransferState, type TransferState } from './progress-state.js';
import type { CliOutput } from './runner.js';

export type { ProgressVerb } from './progress-frame.js';

/** --progress values. */
export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'none';

/** How a transfer ended, for the display's last words. */
export type ProgressOutcome = 'done' | 'failed';

/** A progress display: a listener for copy events, status and retry lines, and its end. */
export interface ProgressDisplay {
  listener: CopyListener;
  /** Shows one status line ("Pulling from …") in the display's own form. */
  status(line: string): void;
  /** Says that the transport retries a request (one line each). */
  retry(notice: RetryNotice): void;
  /** Ends the display (clears or finishes the live frame); `done` adds the summary line. */
  stop(outcome?: ProgressOutcome): void;
  /** Ctrl-C: ends the display at once, the terminal restored; returns the bytes kept. */
  interrupt(): { keptBytes: number };
  /** Ends a `json` display with the command's `--json` document as a `{"event":"result",…}` line; other displays have none. */
  result?(doc: object): void;
}

/** Options of {@link createProgress}; the clock and the plain display's period are for tests. */
export interface ProgressOptions {
  /** Milliseconds between the plain display's progress lines; default 5 000. */
  plainEveryMs?: number;
  now?: () => number;
}

/** The one-line warning a retry prints: what failed and when the next attempt comes. */
export function retryLine(n: RetryNotice): string {
  const secs = n.delayMs >= 1000 ? `${Math.round(n.delayMs / 1000)} s` : `${(n.delayMs / 1000).toFixed(1)} s`;
  return `${n.method} ${n.url} failed (${n.reason}); next attempt in ${secs} (retry ${n.attempt} of ${n.maxRetries})`;
}

/**
 * Builds the stderr progress display: a live frame on a terminal (per-layer bars, queued layers
 * `Waiting`, the total with rate and ETA, redrawn on resize); plain docker-like lines elsewhere (a
 * line per moving layer every 5 s, a line per retry, a closing summary); one JSON event per line for
 * `json`; nothing for `none`. Every mode keeps the transfer's state, so an interrupt can say what is kept.
 */
export async function createProgress(
  mode: ProgressMode,
  verb: ProgressVerb,
  quiet: boolean,
  stream: CliOutput,
  options: ProgressOptions = {},
): Promise<ProgressDisplay> {
  // A terminal that reports no width (some pseudo-terminals) cannot host a live display.
  const live = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
  const resolved = mode === 'auto' ? (live && !quiet ? 'tty' : quiet ? 'none' : 'plain') : mode === 'tty' && !live ? 'plain' : mode;
  const now = options.now ?? Date.now;
  const state = newTransferState(now());
  const track = (e: CopyEvent): void => applyEvent(state, e, now());
  const kept = (): { keptBytes: number } => ({ keptBytes: state.finishedBytes });
  const line = (text: string): void => void stream.write(`${terminalSafe(text)}\n`);
  if (resolved === 'none') return { listener: track, status: () => undefined, retry: () => undefined, stop: () => undefined, interrupt: kept };
  if (resolved === 'json') return jsonProgress(stream, track, kept);
  if (resolved === 'plain') return plainProgress(state, verb, line, track, now, options.plainEveryMs ?? 5_000);
  return ttyProgress(state, verb, new LiveArea(stream), stream, track, now);
}

function jsonProgress(stream: CliOutput, track: CopyListener, kept: () => { keptBytes: number }): ProgressDisplay {
  const emit = (doc: object): void => void stream.write(`${JSON.stringify(doc)}\n`);
  return {
    status: (message) => emit({ event: 'status', message }),
    listener: (e) => {
      track(e);
      if (e.type === 'queued') return;
      emit({
        event: e.type,
        digest: e.desc.digest,
        mediaType: e.desc.mediaType,
        size: e.desc.size,
        ...(e.type === 'progress' ? { bytes: e.bytes } : {}),
        ...(e.type === 'mount' ? { from: e.from } : {}),
      });
    },
    retry: (n) => emit({ event: 'retry', method: n.method, url: n.url, attempt: n.attempt, maxRetries: n.maxRetries, reason: n.reason, delayMs: n.delayMs }),
    stop: () => undefined,
    interrupt: kept,
    result: (doc) => emit({ event: 'result', ...doc }),
  };
}

function plainProgress(
  state: TransferState,
  verb: ProgressVerb,
  line: (text: string) => void,
  track: CopyListener,
  now: () => number,
  everyMs: number,
): ProgressDisplay {
  const words = WORDS[verb];
  // A transfer that takes a while says how far each moving layer is, so a CI log is never silent for long.
  const timer = setInterval(() => {
    for (const row of state.rows) if (row.phase === 'active') line(plainLayerLine(row, verb, now()));
  }, everyMs);
  timer.unref();
  return {
    status: line,
    listener: (e) => {
      track(e);
      if (!isLayerish(e.desc) || e.type === 'progress' || e.type === 'queued') return;
      const text =
        e.type === 'start'
          ? words.start
          : e.type === 'done'
            ? words.done
            : e.type === 'skip'
              ? words.skip
              : e.type === 'foreign'
                ? FOREIGN
                : `Mounted from ${e.from}`;
      line(`${shortId(e.desc.digest)}: ${text}`);
    },
    retry: (n) => line(`WARNING: ${retryLine(n)}`),
    stop: (outcome) => {
      clearInterval(timer);
      const summary = outcome === 'done' ? summaryLine(state, verb, now()) : undefined;
      if (summary) line(summary);
    },
    interrupt: () => {
      clearInterval(timer);
      return { keptBytes: state.finishedBytes };
    },
  };
}

function ttyProgress(state: TransferState, verb: ProgressVerb, area: LiveArea, stream: CliOutput, track: CopyListener, now: () => number): ProgressDisplay {
  let tick = 0;
  const frame = (): string[] => renderFrame(state, verb, area.columns, now(), tick);
  const redraw = (): void => {
    if (state.rows.length > 0) area.draw(frame());
  };
  const timer = setInterval(() => {
    tick++;
    redraw();
  }, 100);
  timer.unref();
  const onResize = (): void => redraw();
  (stream as NodeJS.WritableStream & { on?: (e: string, f: () => void) => void }).on?.('resize', onResize);
  const end = (): void => {
    clearInterval(timer);
    (stream as NodeJS.WritableStream & { off?: (e: string, f: () => void) => void }).off?.('resize', onResize);
  };
  // The last frame stays, each layer's final word on its own line (the total line has done its job).
  const finalFrame = (): string[] => state.rows.map((r) => `${shortId(r.digest)}: ${phaseText(r, verb)}`).map((l) => terminalSafe(l));
  return {
    status: (text) => area.print(terminalSafe(text)),
    listener: track,
    retry: (n) => area.print(`WARNING: ${terminalSafe(retryLine(n))}`),
    stop: (outcome) => {
      end();
      area.close(finalFrame());
      const summary = outcome === 'done' ? summaryLine(state, verb, now()) : undefined;
      if (summary) stream.write(`${summary}\n`);
    },
    interrupt: () => {
      end();
      area.close(state.rows.length > 0 ? frame() : undefined);
      return { keptBytes: state.finishedBytes };
    },
  };
}
