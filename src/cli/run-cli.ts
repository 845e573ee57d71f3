import { isRegctlError } from '../errors.js';
import { terminalSafe } from '../util/terminal-text.js';
import { InterruptedError } from './interrupted.js';
import { colorEnabled, errorLine } from './output.js';
import { buildProgram } from './program.js';
import type { CliIo, GlobalFlags } from './runner.js';
import { sessionRunner, type RunnerFactory, type RunState } from './session-runner.js';

const REPORT_URL = 'https://github.com/regctl/regctl/issues';

/**
 * Runs the CLI on `args` (the words after `regctl`) over `cli`'s streams and returns the SPEC §4
 * exit code, having printed any error as one line on stderr. It never exits the process.
 */
export async function runCli(args: readonly string[], cli: CliIo, runner: RunnerFactory = sessionRunner): Promise<number> {
  const state: RunState = {};
  try {
    await buildProgram(cli, runner(cli, state)).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    return report(err, state.flags, cli);
  }
}

function report(err: unknown, flags: GlobalFlags | undefined, cli: CliIo): number {
  const color = colorEnabled(flags?.color, cli.env, cli.stderr);
  const line = (text: string): void => void cli.stderr.write(`${errorLine(text, color)}\n`);
  if (err && typeof err === 'object' && 'exitCode' in err && 'code' in err && String((err as { code: unknown }).code).startsWith('commander.')) {
    // commander already printed its message (or help/version); map its code to ours.
    const e = err as { exitCode: number; code: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (err instanceof InterruptedError) {
    line(err.message);
    return err.exitCode;
  }
  if (isRegctlError(err)) {
    if (!err.reported) line(err.message);
    if (flags?.debug && err.cause) cli.stderr.write(`debug: cause: ${terminalSafe(String((err.cause as Error)?.stack ?? err.cause), 'lines')}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  line(`internal error: ${message}; please report it at ${REPORT_URL} with the output of --debug`);
  if (flags?.debug && err instanceof Error && err.stack) cli.stderr.write(`${terminalSafe(err.stack, 'lines')}\n`);
  return 1;
}
