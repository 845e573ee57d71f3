import { Command, Option } from 'commander';
import { collect, intInRange } from './option-parsers.js';
import type { CommandIo } from '../commands/io.js';
import { regctlVersion } from '../config/version.js';
import type { Session } from '../session.js';
import { colorEnabled, errorLine, processIo, warningLine } from './output.js';
import { registerCommands } from './commands.js';
import { installFallbacks } from './fallback-command.js';
import { routeInspectConfigFlag } from './inspect-config-flag.js';

/** The global options of SPEC §3, as commander parses them. */
export interface GlobalFlags {
  cacheDir?: string;
  config?: string;
  insecureRegistry?: string[];
  caCert?: string[];
  concurrency?: number;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'none';
  color?: boolean;
  debug?: boolean;
  quiet?: boolean;
}

/** Runs one command body with a session and the process io; lazy-imports keep startup fast. */
export type CommandRunner = <T>(cmd: Command, body: (session: Session, io: CommandIo, flags: GlobalFlags) => Promise<T>) => Promise<T>;

/** Builds the commander program; `state.flags` is filled once a command runs (for error reporting). */
export function buildProgram(state: { flags?: GlobalFlags }): Command {
  const program = new Command('regctl');
  program
    .description('A daemonless client for container registries: pull, tag, push and copy images with a local OCI layout cache.')
    .version(regctlVersion(), '--version', 'print the version')
    .option('--cache-dir <dir>', 'the local image cache (default $REGCTL_CACHE, else the user cache dir)')
    .option('--config <dir>', 'the config directory (default $REGCTL_CONFIG_DIR, else ~/.config/regctl)')
    .option('--insecure-registry <host>', 'allow plain HTTP and unverified TLS to HOST (repeatable)', collect)
    .option('--ca-cert <file>', 'trust this CA certificate (PEM) in addition to the system ones (repeatable)', collect)
    .option('--concurrency <n>', 'blobs transferred in parallel (default 4)', intInRange(1, 64))
    .addOption(new Option('--progress <mode>', 'progress display on stderr').choices(['auto', 'tty', 'plain', 'json', 'none']).default('auto'))
    .option('--no-color', 'no colour in output (also NO_COLOR)')
    .option('--debug', 'log HTTP exchanges to stderr, secrets redacted')
    .option('-q, --quiet', 'print only the essential result')
    .showHelpAfterError('(run regctl --help for usage)')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(errorLine(text.replace(/^error: /, '').trim(), colorEnabled(undefined)) + '\n'),
    });
  program.addHelpText('after', `
Examples:
  regctl pull alpine                      fetch docker.io/library/alpine:latest into the cache
  regctl images                           list cached images
  regctl tag alpine localhost:5000/alpine give a cached image a new name
  regctl inspect alpine --json            manifest, config and platform as JSON

Exit codes: 0 ok, 1 failed, 2 usage or invalid input, 3 not found, 4 auth refused, 5 network or TLS failure.`);

  const runner: CommandRunner = async (cmd, body) => {
    const flags = cmd.optsWithGlobals() as GlobalFlags;
    state.flags = flags;
    const { Session } = await import('../session.js');
    const debug = flags.debug ? (line: string) => process.stderr.write(`debug: ${line}\n`) : undefined;
    const session = await Session.create({
      ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
      ...(flags.config ? { configDir: flags.config } : {}),
      ...(flags.insecureRegistry ? { insecureRegistries: flags.insecureRegistry } : {}),
      ...(flags.caCert ? { caCerts: flags.caCert } : {}),
      ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
      ...(debug ? { debug } : {}),
      warn: (line: string) => process.stderr.write(`${warningLine(line, colorEnabled(flags.color))}\n`),
    });
    const io = processIo();
    try {
      return await body(session, io, flags);
    } finally {
      await session.close();
    }
  };
  registerCommands(program, runner);
  installFallbacks(program);
  routeInspectConfigFlag(program);
  program.commands.forEach((c) => c.exitOverride().showHelpAfterError(`(run regctl ${c.name()} --help for usage)`));
  return program;
}
