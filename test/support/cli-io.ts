import { PassThrough, Readable, Writable } from 'node:stream';
import type { CliInput, CliIo, CliOutput } from '../../src/cli/runner.js';
import type { CommandIo } from '../../src/commands/io.js';

/** A stream that keeps what is written to it. */
class Capture extends Writable implements CliOutput {
  text = '';
  isTTY = false;

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** CLI streams for an in-process run: stdout and stderr captured, stdin given (empty by default), no terminal. */
export function captureIo(options: { stdin?: CliInput; env?: NodeJS.ProcessEnv } = {}): { cli: CliIo; stdout: () => string; stderr: () => string } {
  const stdout = new Capture();
  const stderr = new Capture();
  return {
    cli: { stdout, stderr, stdin: options.stdin ?? Readable.from([]), env: options.env ?? {} },
    stdout: () => stdout.text,
    stderr: () => stderr.text,
  };
}

/** A CommandIo for an in-process command that keeps nothing: no terminal, empty stdin. */
export function quietCommandIo(): CommandIo {
  return {
    out: () => undefined,
    err: () => undefined,
    status: () => undefined,
    stdoutIsTTY: false,
    stdinIsTTY: false,
    stdin: new PassThrough(),
    stdoutStream: new PassThrough(),
  };
}
