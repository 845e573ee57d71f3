import chalk, { Chalk } from 'chalk';
import type { CommandIo } from '../commands/io.js';
import type { CliIo, CliOutput } from './runner.js';

/** Decides whether stderr may carry colour (NO_COLOR, --no-color, TTY). */
export function colorEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv, stderr: CliOutput): boolean {
  if (flag === false) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return Boolean(stderr.isTTY);
}

/** Builds the CommandIo over the CLI's streams. */
export function commandIo(cli: CliIo): CommandIo {
  return {
    out: (line) => cli.stdout.write(`${line}\n`),
    err: (line) => cli.stderr.write(`${line}\n`),
    status: (line) => cli.stderr.write(`${line}\n`),
    stdoutIsTTY: Boolean(cli.stdout.isTTY),
    stdinIsTTY: Boolean(cli.stdin.isTTY),
    stdin: cli.stdin,
    stdoutStream: cli.stdout,
  };
}

/** Formats an error line for stderr, red when colour is on. */
export function errorLine(message: string, color: boolean): string {
  const c = color ? chalk : new Chalk({ level: 0 });
  return `${c.red('Error:')} ${message}`;
}

/** Formats a warning line for stderr, yellow when colour is on. */
export function warningLine(message: string, color: boolean): string {
  const c = color ? chalk : new Chalk({ level: 0 });
  return `${c.yellow('WARNING:')} ${message}`;
}
