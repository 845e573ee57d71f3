import chalk, { Chalk } from 'chalk';
import type { CommandIo } from '../commands/io.js';
import { terminalSafe } from '../util/terminal-text.js';
import type { CliIo, CliOutput } from './runner.js';

/** Decides whether stderr may carry colour (NO_COLOR, --no-color, TTY). */
export function colorEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv, stderr: CliOutput): boolean {
  if (flag === false) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return Boolean(stderr.isTTY);
}

/**
 * Builds the CommandIo over the CLI's streams. Every line is made terminal-safe on its way out
 * (escape sequences and other controls from a registry or an archive are printed escaped); newlines
 * and tabs stay, for our multi-line documents and --format output. Commands escape those too in
 * values that must stay on one line (a tag, a table cell).
 */
export function commandIo(cli: CliIo): CommandIo {
  return {
    out: (line) => cli.stdout.write(`${terminalSafe(line, 'lines')}\n`),
    err: (line) => cli.stderr.write(`${terminalSafe(line, 'lines')}\n`),
    status: (line) => cli.stderr.write(`${terminalSafe(line, 'lines')}\n`),
    stdoutIsTTY: Boolean(cli.stdout.isTTY),
    stdinIsTTY: Boolean(cli.stdin.isTTY),
    stdin: cli.stdin,
    stdoutStream: cli.stdout,
  };
}

/** Formats an error line for stderr, red when colour is on; the message is kept to one line, its controls escaped. */
export function errorLine(message: string, color: boolean): string {
  const c = color ? chalk : new Chalk({ level: 0 });
  return `${c.red('Error:')} ${terminalSafe(message)}`;
}

/** Formats a warning line for stderr, yellow when colour is on; the message is kept to one line, its controls escaped. */
export function warningLine(message: string, color: boolean): string {
  const c = color ? chalk : new Chalk({ level: 0 });
  return `${c.yellow('WARNING:')} ${terminalSafe(message)}`;
}
