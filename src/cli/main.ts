import { setFlagsFromString } from 'node:v8';
import { errnoCode, isRegctlError } from '../errors.js';
import { buildProgram, type GlobalFlags } from './program.js';
import { colorEnabled, errorLine } from './output.js';

const REPORT_URL = 'https://github.com/regctl/regctl/issues';

/**
 * Exit status when the reader of our output went away (`regctl images | head -1`): 128 + SIGPIPE,
 * what shells report for git, coreutils and Go tools, which die of the signal. Node ignores
 * SIGPIPE and reports EPIPE instead, so the status is given by hand.
 */
export const CLOSED_PIPE_EXIT = 141;

/**
 * Ends the process quietly when stdout or stderr is a closed pipe, as Go tools do, instead of
 * Node's uncaught EPIPE stack trace. Installed first, so it runs before any other listener
 * (a save streaming to stdout) reports the failure.
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: unknown) => {
      if (errnoCode(err) === 'EPIPE') process.exit(CLOSED_PIPE_EXIT);
      // Any other failure of stdout is reported (stderr's own cannot be).
      if (stream === process.stdout) process.stderr.write(`${errorLine(`cannot write to stdout: ${(err as Error).message}`, false)}\n`);
      process.exit(1);
    });
  }
}

/** Runs the CLI and exits with the SPEC §4 code; the only place that calls process.exit. */
export async function main(argv: string[]): Promise<void> {
  // undici parses HTTP/1 with llhttp compiled to WebAssembly; V8's optimising tier-up of that module
  // runs on a background thread that process exit then waits for. Baseline (Liftoff) code parses
  // as fast for our traffic and saved ~70 ms of every run (measured: 281 → 204 ms for a no-op pull).
  setFlagsFromString('--liftoff-only');
  exitQuietlyOnClosedPipe();
  const state: { flags?: GlobalFlags } = {};
  let code = 0;
  try {
    const program = buildProgram(state);
    await program.parseAsync(argv);
  } catch (err) {
    code = report(err, state.flags);
  }
  await flush();
  process.exit(code);
}

function report(err: unknown, flags: GlobalFlags | undefined): number {
  const color = colorEnabled(flags?.color);
  if (err && typeof err === 'object' && 'exitCode' in err && 'code' in err && String((err as { code: unknown }).code).startsWith('commander.')) {
    // commander already printed its message (or help/version); map its code to ours.
    const e = err as { exitCode: number; code: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (isRegctlError(err)) {
    if (!err.reported) process.stderr.write(`${errorLine(err.message, color)}\n`);
    if (flags?.debug && err.cause) process.stderr.write(`debug: cause: ${String((err.cause as Error)?.stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${errorLine(`internal error: ${message}; please report it at ${REPORT_URL} with the output of --debug`, color)}\n`);
  if (flags?.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

function flush(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => resolve());
    else process.stdout.write('', () => resolve());
  });
}
