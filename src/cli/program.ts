import { Command, Option } from 'commander';
import { regctlVersion } from '../config/version.js';
import { registerCommands } from './commands.js';
import { installFallbacks } from './fallback-command.js';
import { routeInspectConfigFlag } from './inspect-config-flag.js';
import { byteSize, collect, duration, intInRange } from './option-parsers.js';
import { colorEnabled, errorLine } from './output.js';
import { applicableGlobalOptions } from './help-globals.js';
import { wrapHelp } from './help-wrap.js';
import type { CliIo, CliOutput, CommandRunner } from './runner.js';

/**
 * Builds the commander program over the CLI's streams and environment; `run` runs each command's
 * call. Nothing here exits: commander's exits are turned into thrown CommanderErrors.
 */
export function buildProgram(cli: CliIo, run: CommandRunner): Command {
  const program = new Command('regctl');
  program
    .description('A daemonless client for container registries: pull, tag, push and copy images with a local OCI layout cache.')
    .version(regctlVersion(), '-v, --version', 'print the version')
    .option('--cache-dir <dir>', 'the local image cache (default $REGCTL_CACHE, else the user cache dir)')
    .option('--config <dir>', 'the config directory (default $REGCTL_CONFIG_DIR, else ~/.config/regctl)')
    .option('--insecure-registry <host>', 'allow plain HTTP and unverified TLS to HOST (repeatable)', collect)
    .option('--ca-cert <file>', 'trust this CA certificate (PEM) in addition to the system ones (repeatable)', collect)
    .option('--concurrency <n>', 'blobs transferred in parallel (default 4)', intInRange(1, 64))
    .option('--timeout <duration>', 'a server silent this long (no answer, no body byte) is retried, then fails: 60, 90s, 2m (default 60s)', duration)
    .option('--chunk-threshold <size>', 'download blobs larger than SIZE as parallel Range segments (default 64MiB)', byteSize)
    .option('--chunk-connections <n>', 'Range segments of one blob in flight (default 4; 1: one stream per blob)', intInRange(1, 32))
    .addOption(new Option('--progress <mode>', 'progress display on stderr').choices(['auto', 'tty', 'plain', 'json', 'none']).default('auto'))
    .option('--no-color', 'no colour in output (also NO_COLOR)')
    .option('--debug', 'log HTTP exchanges to stderr, secrets redacted')
    .option('-q, --quiet', 'print only the essential result')
    .showHelpAfterError('(run regctl --help for usage)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true, visibleGlobalOptions: applicableGlobalOptions })
    .configureOutput({
      // Help (ours and commander's) is wrapped at the terminal's width, 80 off a terminal.
      writeOut: (text) => void cli.stdout.write(wrapHelp(text, helpWidth(cli.stdout))),
      writeErr: (text) => void cli.stderr.write(wrapHelp(text, helpWidth(cli.stderr))),
      getOutHelpWidth: () => helpWidth(cli.stdout),
      getErrHelpWidth: () => helpWidth(cli.stderr),
      getOutHasColors: () => hasColors(cli.stdout, cli.env),
      getErrHasColors: () => hasColors(cli.stderr, cli.env),
      // One line, never wrapped: commander's "(Did you mean pull?)" joins it.
      outputError: (text) => void cli.stderr.write(`${errorLine(oneLine(text), colorEnabled(undefined, cli.env, cli.stderr))}\n`),
    });
  program.addHelpText(
    'after',
    `
Examples:
  regctl pull alpine                      fetch docker.io/library/alpine:latest into the cache
  regctl images                           list cached images
  regctl tag alpine localhost:5000/alpine give a cached image a new name
  regctl inspect alpine --json            manifest, config and platform as JSON

Exit codes: 0 ok, 1 failed, 2 usage or invalid input, 3 not found, 4 auth refused, 5 network or TLS failure.`,
  );

  registerCommands(program, run);
  installFallbacks(program);
  routeInspectConfigFlag(program);
  for (const c of program.commands) c.exitOverride().showHelpAfterError(`(run regctl ${c.name()} --help for usage)`);
  return program;
}

/** commander's error text as our one line: `unknown command 'pul': did you mean pull?`. */
function oneLine(text: string): string {
  return text
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n\(Did you mean (.+)\?\)$/, ': did you mean $1?');
}

/** commander's own rule, over our stream: wrap help at the terminal's width, else at its default 80. */
function helpWidth(stream: CliOutput): number {
  return (stream.isTTY ? stream.columns : undefined) ?? 80;
}

/** commander's own rule, over our stream and environment: NO_COLOR / FORCE_COLOR, else a colour terminal. */
function hasColors(stream: CliOutput, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] || env['FORCE_COLOR'] === '0' || env['FORCE_COLOR'] === 'false') return false;
  if (env['FORCE_COLOR'] || env['CLICOLOR_FORCE'] !== undefined) return true;
  const tty = stream as CliOutput & { hasColors?: () => boolean };
  return Boolean(tty.isTTY && tty.hasColors?.());
}
