import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../../src/cli/run-cli.js';
import { globalFlags } from '../../src/cli/runner.js';
import type { RunnerFactory } from '../../src/cli/session-runner.js';
import { captureIo } from '../support/cli-io.js';

// Help, in process: wrapped at the terminal's width (80 off a terminal), with the global options
// that apply to each command; `regctl version`.

/** A runner that runs nothing: help and usage never reach it. */
const idle: RunnerFactory = () => async () => undefined;

/** Every command path of the program, subcommands included (`manifest create`). */
function commandPaths(): string[][] {
  const { cli } = captureIo();
  const program = buildProgram(cli, idle(cli, {}));
  const out: string[][] = [];
  const walk = (cmd: Command, above: string[]): void => {
    for (const c of cmd.commands.filter((x) => !(x as Command & { _hidden?: boolean })._hidden)) {
      out.push([...above, c.name()]);
      walk(c, [...above, c.name()]);
    }
  };
  walk(program, []);
  return out;
}

/** Runs `regctl ARGS --help` with stdout a terminal of `columns` columns, or not a terminal. */
async function help(args: string[], columns?: number): Promise<string> {
  const io = captureIo();
  if (columns) Object.assign(io.cli.stdout, { isTTY: true, columns });
  const code = await runCli([...args, '--help'], io.cli, idle);
  assert.equal(code, 0, io.stderr());
  return io.stdout();
}

/** Lines longer than `width` that could have been broken (more than one word past the indent). */
function overlong(text: string, width: number): string[] {
  return text.split('\n').filter((l) => l.length > width && l.trim().includes(' '));
}

describe('help', () => {
  test('wraps at 80 columns off a terminal, for every command', async () => {
    for (const path of [[], ...commandPaths()]) assert.deepEqual(overlong(await help(path), 80), [], `regctl ${path.join(' ')} --help`);
  });

  test("wraps at the terminal's width on a terminal", async () => {
    const wide = await help(['copy'], 140);
    assert.deepEqual(overlong(wide, 140), []);
    assert.ok(
      wide.split('\n').some((l) => l.length > 80),
      'a wide terminal gets lines wider than 80',
    );
    assert.deepEqual(overlong(await help(['copy'], 60), 60), []);
  });

  test('wrapped example commands continue with a backslash, so they still paste into a shell', async () => {
    const text = await help(['manifest', 'create'], 80);
    assert.match(text, /^ {2}regctl manifest create .* \\\n {6}\S/m);
  });

  test("each command's help lists the global options that apply to it", async () => {
    const pull = await help(['pull']);
    const globals = (text: string): string => text.slice(text.indexOf('Global Options:'));
    assert.match(pull, /Global Options:/);
    for (const flag of ['--cache-dir', '--progress', '--concurrency', '--insecure-registry', '--debug', '--quiet'])
      assert.match(globals(pull), new RegExp(flag));
    const tag = globals(await help(['tag']));
    assert.match(tag, /--cache-dir/);
    for (const flag of ['--progress', '--concurrency', '--insecure-registry']) assert.doesNotMatch(tag, new RegExp(flag), `tag --help lists ${flag}`);
    const copy = globals(await help(['copy']));
    assert.doesNotMatch(copy, /--cache-dir/, 'copy never opens the cache');
    assert.match(globals(await help(['manifest', 'push'])), /--progress/);
  });

  test('regctl version prints the version', async () => {
    const io = captureIo();
    const code = await runCli(['version'], io.cli, (cli, state) => async (cmd, build) => {
      state.flags = globalFlags(cmd);
      await build(state.flags).run(undefined as never, { out: (l: string) => cli.stdout.write(`${l}\n`) } as never, cli);
    });
    assert.equal(code, 0, io.stderr());
    assert.match(io.stdout(), /^regctl \d+\.\d+\.\d+ \(docker-style commands; Node\.js v\d+/);
  });
});
