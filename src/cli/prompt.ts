import { createInterface } from 'node:readline';
import type { Prompt } from '../commands/login.js';
import { InterruptedError } from './interrupted.js';
import type { CliInput, CliOutput } from './runner.js';

/**
 * A prompt on the terminal: the question on `output` (stderr), the answer from `input` (stdin). A
 * secret answer is read in raw mode and never echoed; Ctrl-C there rejects with an InterruptedError
 * (exit 130), Ctrl-D ends the answer.
 */
export function ttyPrompt(input: CliInput, output: CliOutput): Prompt {
  return (question, secret) => {
    output.write(question);
    const setRawMode = input.isTTY ? input.setRawMode?.bind(input) : undefined;
    return secret && setRawMode ? readSecret(input, output, setRawMode) : readLine(input);
  };
}

function readLine(input: CliInput): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

function readSecret(input: CliInput, output: CliOutput, setRawMode: (mode: boolean) => unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = (): void => {
      setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(answer);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new InterruptedError('interrupted (Ctrl-C) at the password prompt; nothing was stored'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (ch >= ' ') answer += ch;
      }
    };
    setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
