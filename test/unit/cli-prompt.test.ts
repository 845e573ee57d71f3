import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { InterruptedError } from '../../src/cli/interrupted.js';
import { ttyPrompt } from '../../src/cli/prompt.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { CliInput } from '../../src/cli/runner.js';
import { captureIo } from '../support/cli-io.js';

/** A terminal stdin: raw mode is recorded, keys are written by the test. */
function terminal(): PassThrough & CliInput & { modes: boolean[] } {
  const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] });
  return Object.assign(input, { setRawMode: (mode: boolean) => input.modes.push(mode) });
}

test('a secret is read in raw mode without echo; backspace edits it, Enter ends it', async () => {
  const stdin = terminal();
  const io = captureIo({ stdin });
  const answer = ttyPrompt(stdin, io.cli.stderr)('Password: ', true);
  stdin.write('sex\u007fcret\r');
  assert.equal(await answer, 'secret');
  assert.deepEqual(stdin.modes, [true, false]);
  assert.equal(io.stderr(), 'Password: \n');
});

test('Ctrl-C at a secret prompt rejects with an InterruptedError (exit 130) and leaves raw mode', async () => {
  const stdin = terminal();
  const io = captureIo({ stdin });
  const answer = ttyPrompt(stdin, io.cli.stderr)('Password: ', true);
  stdin.write('abc\u0003');
  await assert.rejects(answer, (err: unknown) => err instanceof InterruptedError && err.exitCode === 130);
  assert.deepEqual(stdin.modes, [true, false]);
  assert.equal(stdin.listenerCount('data'), 0);
});

test('a question that is not secret, or no terminal, reads one line', async () => {
  const io = captureIo();
  assert.equal(await ttyPrompt(Readable.from(['me\nrest\n']), io.cli.stderr)('Username: ', false), 'me');
  assert.equal(await ttyPrompt(Readable.from(['pw\n']), io.cli.stderr)('Password: ', true), 'pw');
  assert.equal(await ttyPrompt(Readable.from([]), io.cli.stderr)('Username: ', false), '');
  assert.equal(io.stderr(), 'Username: Password: Username: ');
});

test('runCli maps an InterruptedError to exit 130 with one line', async () => {
  const io = captureIo();
  const code = await runCli(['images'], io.cli, () => async () => {
    throw new InterruptedError('interrupted (Ctrl-C) at the password prompt; nothing was stored');
  });
  assert.equal(code, 130);
  assert.equal(io.stderr(), 'Error: interrupted (Ctrl-C) at the password prompt; nothing was stored\n');
  assert.equal(io.stdout(), '');
});
