import chalk, { Chalk } from 'chalk';
import type { CommandIo } from '../commands/io.js';

/** How the CLI writes: colour only on a TTY and without --no-color / NO_COLOR. */
export interface OutputOptions {
  color: boolean;
}

/** Decides whether stderr may carry colour (NO_COLOR, --no-color, TTY). */
export function colorEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return Boolean(process.stderr.isTTY);
}

/** Builds the CommandIo over the real process streams. */
export function processIo(): CommandIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    status: (line) => process.stderr.write(`${line}\n`),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdin: process.stdin,
    stdoutStream: process.stdout,
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
