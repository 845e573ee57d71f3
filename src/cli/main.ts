/**
 * package.json's version, written into the bundle by scripts/bundle.mjs (esbuild `define`); not
 * defined in tsc's output, where commander answers --version instead.
 */
declare const REGCTL_VERSION: string | undefined;

/**
 * Exit status when the reader of our output went away (`regctl images | head -1`): 128 + SIGPIPE,
 * what shells report for git, coreutils and Go tools, which die of the signal. Node ignores
 * SIGPIPE and reports EPIPE instead, so the status is given by hand.
 */
const CLOSED_PIPE_EXIT = 141;

/**
 * Ends the process quietly when stdout or stderr is a closed pipe, as Go tools do, instead of
 * Node's uncaught EPIPE stack trace. Installed first, so it runs before any other listener
 * (a save streaming to stdout) reports the failure.
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: unknown) => {
      if ((err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') process.exit(CLOSED_PIPE_EXIT);
      // Any other failure of stdout is reported (stderr's own cannot be), without colour.
      if (stream === process.stdout) process.stderr.write(`Error: cannot write to stdout: ${(err as Error).message}\n`);
      process.exit(1);
    });
  }
}

/**
 * Ctrl-C (and SIGTERM) end regctl cleanly: the latest interrupt handler a command registered runs
 * (it restores the terminal and prints one line saying what was interrupted), then the process exits
 * with 128 + the signal number, as a shell reports a process killed by it. The cache needs nothing
 * more: every write is atomic, and a lock or lease of a dead process is recovered by the next run.
 */
function interruptHandlers(): (handler: () => void) => () => void {
  const handlers: (() => void)[] = [];
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      try {
        handlers.at(-1)?.();
      } finally {
        process.exit(code);
      }
    });
  }
  return (handler) => {
    handlers.push(handler);
    return () => {
      const at = handlers.lastIndexOf(handler);
      if (at >= 0) handlers.splice(at, 1);
    };
  };
}

/**
 * The process entry point (bin/regctl): runs the CLI over the process's streams and environment and
 * exits with its SPEC §4 code. The only module that touches `process` and the only one that exits.
 */
export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  const args = argv.slice(2);
  // `regctl --version` alone is answered before the CLI (commander, chalk, the command table) loads,
  // by this module alone (it imports nothing else first): scripts call it to check the install, and
  // it should cost no more than node's own start.
  if (args.length === 1 && args[0] === '--version' && typeof REGCTL_VERSION === 'string') {
    process.stdout.write(`${REGCTL_VERSION}\n`);
    await flush();
    process.exit(0);
  }
  const onInterrupt = interruptHandlers();
  const { runCli } = await import('./run-cli.js');
  const code = await runCli(args, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, onInterrupt });
  await flush();
  process.exit(code);
}

function flush(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => resolve());
    else process.stdout.write('', () => resolve());
  });
}
