import { createInterface } from 'node:readline';

/**
 * Asks one question on the terminal (prompt on stderr, answer from stdin). A secret answer is read in
 * raw mode and never echoed; Ctrl-C aborts with exit code 130, Ctrl-D ends the answer.
 */
export function ttyPrompt(question: string, secret: boolean): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  if (!secret || !stdin.isTTY) {
    return new Promise((resolve) => {
      const rl = createInterface({ input: stdin, terminal: false });
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
  return new Promise((resolve) => {
    let answer = '';
    const finish = (): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      resolve(answer);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (ch >= ' ') answer += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
