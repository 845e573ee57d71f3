import { terminalSafe } from '../util/terminal-text.js';
import { colorEnabled, commandIo, warningLine } from './output.js';
import { globalFlags, type CliIo, type CommandRunner, type GlobalFlags } from './runner.js';

/** What a run left for error reporting: the global flags, once a command started. */
export interface RunState {
  flags?: GlobalFlags;
}

/**
 * Commands that only read or write the cache (by their CommandCall name): their session is
 * offline, so undici, TLS, auth and the credential stores are never loaded (SessionOptions.offline).
 */
export const OFFLINE_COMMANDS: ReadonlySet<string> = new Set([
  'tag',
  'images',
  'rmi',
  'prune',
  'inspect',
  'save',
  'load',
  'manifestRm',
  'completeNames',
  'completion',
  'version',
]);

/** Commands that write the cache anyway, and so also note there which scheme each local registry spoke. */
export const CACHE_WRITERS: ReadonlySet<string> = new Set(['pull', 'push']);

/** Makes a CommandRunner for `state`: a test's records calls, the real one ({@link sessionRunner}) runs them. */
export type RunnerFactory = (cli: CliIo, state: RunState) => CommandRunner;

/** The real runner: opens a Session from the global flags, runs the command with the CLI's io, closes the session. */
export const sessionRunner: RunnerFactory = (cli, state) => async (cmd, build) => {
  const flags = globalFlags(cmd);
  state.flags = flags;
  const call = build(flags);
  // Lazy: --help, --version and usage errors never load the session's modules.
  const { Session } = await import('../session.js');
  const debug = flags.debug ? (line: string) => cli.stderr.write(`debug: ${terminalSafe(line)}\n`) : undefined;
  const session = await Session.create({
    ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
    ...(flags.config ? { configDir: flags.config } : {}),
    ...(flags.insecureRegistry ? { insecureRegistries: flags.insecureRegistry } : {}),
    ...(flags.caCert ? { caCerts: flags.caCert } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.timeout ? { timeoutMs: flags.timeout } : {}),
    ...(flags.chunkThreshold !== undefined || flags.chunkConnections !== undefined
      ? {
          downloads: {
            ...(flags.chunkThreshold !== undefined ? { chunkThreshold: flags.chunkThreshold } : {}),
            ...(flags.chunkConnections !== undefined ? { chunkConnections: flags.chunkConnections } : {}),
          },
        }
      : {}),
    ...(debug ? { debug } : {}),
    warn: (line: string) => cli.stderr.write(`${warningLine(line, colorEnabled(flags.color, cli.env, cli.stderr))}\n`),
    env: cli.env,
    ...(OFFLINE_COMMANDS.has(call.name) ? { offline: true } : {}),
    ...(CACHE_WRITERS.has(call.name) ? { rememberSchemes: true } : {}),
  });
  // Commands that know better (a transfer saying what it kept) register a handler of their own.
  const offInterrupt = cli.onInterrupt?.(() => void cli.stderr.write(`regctl ${cmd.name()} interrupted\n`));
  try {
    await call.run(session, commandIo(cli), cli);
  } finally {
    offInterrupt?.();
    await session.close();
  }
};
