import { humanSize } from '../commands/format.js';
import type { CommandIo } from '../commands/io.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { terminalSafe } from '../util/terminal-text.js';
import { createProgress, type ProgressOutcome, type ProgressVerb } from './progress.js';
import type { CliIo, CommandCall, GlobalFlags } from './runner.js';

/** The one line a Ctrl-C during a transfer prints: what was interrupted and what the next run finds done. */
export function interruptLine(verb: ProgressVerb, what: string, keptBytes: number): string {
  const where = verb === 'pull' ? 'kept for the next run' : 'already at the destination (the next run skips it)';
  return `${verb} of ${what} interrupted${keptBytes > 0 ? `; ${humanSize(keptBytes)} ${where}` : ''}`;
}

/** A reference as the command will name it (normalized), or as typed when it does not parse. */
function named(reference: string): string {
  try {
    return formatReference(parseReference(reference));
  } catch {
    return reference;
  }
}

/** What a transfer's options say it moves, for its interrupt line: `REF`, `SRC to DST`, or a manifest list's name. */
function transferSubject(verb: ProgressVerb, options: object): string {
  const o = options as { reference?: unknown; source?: unknown; destination?: unknown; list?: unknown };
  if (typeof o.source === 'string' && typeof o.destination === 'string') return `${o.source} to ${o.destination}`;
  if (typeof o.reference === 'string') return named(o.reference);
  if (typeof o.list === 'string') return named(o.list);
  return verb === 'pull' ? 'the image' : 'the images';
}

/**
 * Runs `body` with a progress display on stderr wired into io (copy events, the transport's
 * retries, Ctrl-C), stopping it before results are printed; a `--progress json` display then ends
 * with the result (the command's `--json` document).
 */
async function withProgress<T>(
  verb: ProgressVerb,
  what: string,
  session: Session,
  io: CommandIo,
  cli: CliIo,
  flags: GlobalFlags,
  body: (io: CommandIo) => Promise<T>,
): Promise<T> {
  const display = await createProgress(flags.progress ?? 'auto', verb, !!flags.quiet, cli.stderr);
  const lines: string[] = [];
  // Results wait until the live display is gone, so they never interleave with it.
  const wrapped: CommandIo = { ...io, out: (l) => lines.push(l), status: display.status, progress: display.listener };
  const offRetry = session.onRetry(display.retry);
  const offInterrupt = cli.onInterrupt?.(() => {
    const { keptBytes } = display.interrupt();
    cli.stderr.write(`${terminalSafe(interruptLine(verb, what, keptBytes))}\n`);
  });
  let outcome: ProgressOutcome = 'failed';
  let result: T | undefined;
  try {
    result = await body(wrapped);
    outcome = 'done';
    return result;
  } finally {
    offRetry();
    offInterrupt?.();
    display.stop(outcome);
    if (result !== undefined && result !== null && typeof result === 'object') display.result?.(result);
    for (const l of lines) io.out(l);
  }
}

/**
 * A command that moves images (pull, push, copy, manifest push, manifest create --push): the call
 * runs it lazily loaded, under a progress display using `verb`'s words; `name` is the command function's.
 */
export function transferCall<O extends object>(
  name: string,
  verb: ProgressVerb,
  options: O,
  flags: GlobalFlags,
  load: () => Promise<(session: Session, options: O, io: CommandIo) => Promise<unknown>>,
): CommandCall {
  return {
    name,
    options,
    run: async (session, io, cli) => {
      const command = await load();
      return withProgress(verb, transferSubject(verb, options), session, io, cli, flags, (pio) => command(session, options, pio));
    },
  };
}
