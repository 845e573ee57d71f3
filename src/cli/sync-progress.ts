import type { CommandIo } from '../commands/io.js';
import { humanSize } from '../commands/format.js';
import type { SyncEvent } from '../sync/types.js';
import type { ProgressMode } from './progress.js';
import type { CliOutput } from './runner.js';

/** Sync's display on stderr: what it does with events, the io to print results through, and stop(). */
export interface SyncDisplay {
  onEvent(event: SyncEvent): void;
  /** The io to give the command: on a terminal, stdout lines clear the live line first. */
  io: CommandIo;
  stop(): void;
}

/**
 * Builds sync's progress on stderr: on a terminal one live overall line (images done, of how many,
 * per status, bytes); in plain mode one line per image as its copy starts (results are stdout's);
 * `json` one event a line; nothing for `none` or -q.
 */
export async function createSyncDisplay(mode: ProgressMode, quiet: boolean, io: CommandIo, stream: CliOutput): Promise<SyncDisplay> {
  const live = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
  const resolved = mode === 'auto' ? (quiet ? 'none' : live ? 'tty' : 'plain') : mode === 'tty' && !live ? 'plain' : mode;
  if (resolved === 'none') return { onEvent: () => undefined, io, stop: () => undefined };
  if (resolved === 'json') {
    return {
      onEvent: (e) =>
        void stream.write(`${JSON.stringify(e.type === 'result' ? { event: 'result', ...e.result } : { event: e.type, ...e, type: undefined })}\n`),
      io,
      stop: () => undefined,
    };
  }
  if (resolved === 'plain') {
    return { onEvent: (e) => void (e.type === 'start' && stream.write(`Copying ${e.source} -> ${e.target}\n`)), io, stop: () => undefined };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ stream: stream as NodeJS.WritableStream & { isTTY?: boolean }, text: 'Syncing: listing tags…' }).start();
  const count = { done: 0, copied: 0, upToDate: 0, wouldCopy: 0, skipped: 0, failed: 0, bytes: 0 };
  const copying = new Set<number>();
  let total: number | undefined;
  const render = (): void => {
    const parts = [`${count.copied} copied`, `${count.upToDate} up to date`];
    if (count.wouldCopy) parts.push(`${count.wouldCopy} would copy`);
    if (count.skipped) parts.push(`${count.skipped} skipped`);
    if (count.failed) parts.push(`${count.failed} failed`);
    spinner.text = `Syncing: ${count.done}${total !== undefined ? `/${total}` : ''} image(s) · ${parts.join(' · ')} · ${humanSize(count.bytes)}${copying.size ? ` · ${copying.size} copying` : ''}`;
  };
  const out = (line: string): void => {
    spinner.clear();
    io.out(line);
    spinner.render();
  };
  return {
    io: { ...io, out },
    onEvent: (e) => {
      if (e.type === 'planned') total = e.total;
      else if (e.type === 'start') copying.add(e.index);
      else {
        const r = e.result;
        count.done++;
        copying.delete(r.index);
        const key = r.status === 'up-to-date' ? 'upToDate' : r.status === 'would-copy' ? 'wouldCopy' : r.status;
        count[key]++;
        count.bytes += r.bytes ?? 0;
      }
      render();
    },
    // The totals line on stdout says what the live line said: it is cleared, not kept.
    stop: () => spinner.stop(),
  };
}
