import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { captureIo } from '../support/cli-io.js';

const README = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md'), 'utf8');

/** Every visible command path with the command, subcommands included. */
function commands(): [string, Command][] {
  const { cli } = captureIo();
  const program = buildProgram(cli, async () => undefined);
  const out: [string, Command][] = [];
  const walk = (cmd: Command, above: string[]): void => {
    for (const c of cmd.commands.filter((x) => !(x as Command & { _hidden?: boolean })._hidden)) {
      const path = [...above, c.name()];
      if (c.commands.length > 0) walk(c, path);
      else out.push([path.join(' '), c]);
    }
  };
  walk(program, []);
  return out;
}

test('the README shows every command in an example', () => {
  assert.ok(
    commands().some(([path]) => path === 'manifest create'),
    'subcommands are walked',
  );
  const missing = commands()
    .map(([path]) => path)
    .filter((path) => !new RegExp(`regctl (-\\S+ (\\S+ )?)*${path}\\b`).test(README));
  assert.deepEqual(missing, [], 'add an example of these commands to README.md');
});

test("the README's JSON output table lists every command that takes --json", () => {
  const section = README.slice(README.indexOf('## JSON output'), README.indexOf('\n## ', README.indexOf('## JSON output') + 1));
  const missing = commands()
    .filter(([, c]) => c.options.some((o) => o.long === '--json'))
    .map(([path]) => path)
    .filter((path) => !section.includes(`\`${path}`));
  assert.deepEqual(missing, [], 'document the --json document of these commands in README.md "JSON output"');
});
