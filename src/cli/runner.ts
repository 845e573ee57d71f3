import type { Command } from 'commander';
import type { CommandIo } from '../commands/io.js';
import type { Session } from '../session.js';

/** The global options of SPEC §3, as commander parses them. */
export interface GlobalFlags {
  cacheDir?: string;
  config?: string;
  insecureRegistry?: string[];
  caCert?: string[];
  concurrency?: number;
  /** --timeout in milliseconds. */
  timeout?: number;
  /** --chunk-threshold in bytes. */
  chunkThreshold?: number;
  chunkConnections?: number;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'none';
  color?: boolean;
  debug?: boolean;
  quiet?: boolean;
}

/** A stream the CLI writes to: the process's stdout or stderr, or a test's capture. */
export interface CliOutput extends NodeJS.WritableStream {
  isTTY?: boolean;
  /** Terminal width, when a terminal. */
  columns?: number;
}

/** The stream the CLI reads: the process's stdin, or a test's. */
export interface CliInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  /** Present on a terminal: raw mode for reading a secret without echo. */
  setRawMode?(mode: boolean): unknown;
}

/** What to do when the user interrupts (Ctrl-C): restore the terminal, print one line. */
export type InterruptHandler = () => void;

/** What the CLI uses instead of the process globals; only `cli/main.ts` passes the real ones. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  env: NodeJS.ProcessEnv;
  /**
   * Registers the handler run when the user interrupts (SIGINT/SIGTERM), before the process exits
   * with 130 (143): only the latest registered still in place runs. Returns the function that
   * removes it. Absent where nothing can interrupt (in-process tests).
   */
  onInterrupt?: (handler: InterruptHandler) => () => void;
}

/** One command to run, as a command's action built it from argv: its name, its options, and how to run it. */
export interface CommandCall {
  /** The command function it runs (`pull`, `inspectRemote`, …), for tests. */
  name: string;
  /** The options object that function receives. */
  options: object;
  /** Lazy-imports the command's module and runs it with a session, the command io and the CLI's streams. */
  run(session: Session, io: CommandIo, cli: CliIo): Promise<unknown>;
}

/** Runs the call an action builds from the global flags; the real runner opens a session, a test's only records it. */
export type CommandRunner = (cmd: Command, call: (flags: GlobalFlags) => CommandCall) => Promise<void>;

/** The global flags in effect for `cmd` (given before or after the command name). */
export function globalFlags(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals() as GlobalFlags;
}
