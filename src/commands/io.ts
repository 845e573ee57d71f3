import type { CopyListener } from '../content/types.js';

/** Where a command writes: results to stdout, everything else to stderr (SPEC §4). */
export interface CommandIo {
  /** Writes one result line (no newline needed) to stdout. */
  out(line: string): void;
  /** Writes one status, warning or log line to stderr. */
  err(line: string): void;
  /** Writes a transfer status line (stderr): shown as text, a JSON event, or not at all, per --progress. */
  status(line: string): void;
  /** Receives transfer events for the progress display; absent when progress is off. */
  progress?: CopyListener;
  /** True when stdout is a terminal. */
  stdoutIsTTY: boolean;
  /** True when stdin is a terminal (for prompts). */
  stdinIsTTY: boolean;
  /** Reads all of stdin (for --password-stdin, load). */
  stdin: NodeJS.ReadableStream;
  /** Raw stdout stream (for save to stdout). */
  stdoutStream: NodeJS.WritableStream;
}
