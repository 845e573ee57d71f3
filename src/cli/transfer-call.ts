import type { CommandIo } from '../commands/io.js';
import type { Session } from '../session.js';
import { createProgress, type ProgressVerb } from './progress.js';
import type { CliOutput, CommandCall, GlobalFlags } from './runner.js';

/**
 * Runs `body` with a progress display on `stderr` wired into io, stopping it before results are
 * printed; a `--progress json` display then ends with the result (the command's `--json` document).
 */
async function withProgress<T>(verb: ProgressVerb, io: CommandIo, stderr: CliOutput, flags: GlobalFlags, body: (io: CommandIo) => Promise<T>): Promise<T> {
  const display = await createProgress(flags.progress ?? 'auto', verb, !!flags.quiet, stderr);
  const lines: string[] = [];
  // Results wait until the live display is gone, so they never interleave with it.
  const wrapped: CommandIo = { ...io, out: (l) => lines.push(l), status: display.status, ...(display.listener ? { progress: display.listener } : {}) };
  let result: T | undefined;
  try {
    result = await body(wrapped);
    return result;
  } finally {
    display.stop();
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
      return withProgress(verb, io, cli.stderr, flags, (pio) => command(session, options, pio));
    },
  };
}
