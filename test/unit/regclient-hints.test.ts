import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { installFallbacks } from '../../src/cli/fallback-command.js';
import { regclientHint } from '../../src/cli/regclient-hints.js';
import { RegctlError } from '../../src/errors.js';

const PREFIX = "this is the TypeScript regctl (docker-style commands), not regclient's";

test('regclient command lines get our equivalent, with their operands', () => {
  const cases: [string[], string][] = [
    [['tag', 'ls', 'alpine'], 'for "regctl tag ls" use: regctl tags alpine'],
    [['tag', 'list', 'ghcr.io/org/app'], 'for "regctl tag list" use: regctl tags ghcr.io/org/app'],
    [['tag', 'ls'], 'for "regctl tag ls" use: regctl tags REPO'],
    [['image', 'copy', 'a:1', 'b:1'], 'for "regctl image copy" use: regctl copy a:1 b:1'],
    [['image', 'cp', 'a:1', 'b:1'], 'for "regctl image cp" use: regctl copy a:1 b:1'],
    [['image', 'digest', 'alpine'], 'for "regctl image digest" use: regctl digest alpine'],
    [['image', 'inspect', 'alpine'], 'for "regctl image inspect" use: regctl inspect --remote alpine'],
    [['image', 'export', 'alpine', 'a.tar'], 'for "regctl image export" use: regctl pull alpine && regctl save alpine -o a.tar'],
    [['image', 'import', 'reg/x:1', 'a.tar'], 'for "regctl image import" use: regctl load -i a.tar && regctl push reg/x:1'],
    [['manifest', 'get', 'alpine'], 'for "regctl manifest get" use: regctl inspect --remote --raw alpine'],
    [['manifest', 'head', 'alpine'], 'for "regctl manifest head" use: regctl digest alpine'],
    [['registry', 'login', 'ghcr.io'], 'for "regctl registry login" use: regctl login ghcr.io'],
    [['registry', 'logout', 'ghcr.io'], 'for "regctl registry logout" use: regctl logout ghcr.io'],
    [['artifact', 'tree', 'reg/x:1'], 'for "regctl artifact tree" use: regctl referrers reg/x:1'],
    [['artifact', 'list', 'reg/x:1'], 'for "regctl artifact list" use: regctl referrers reg/x:1'],
    [['artifact', 'put', '--subject', 'reg/x:1'], 'for "regctl artifact put" use: regctl attach --artifact-type TYPE REF FILE...'],
  ];
  for (const [words, expected] of cases) assert.equal(regclientHint(words), `${PREFIX}: ${expected}`, words.join(' '));
});

test('regclient commands without an equivalent say so in one line', () => {
  for (const words of [
    ['blob', 'get', 'r', 'sha256:x'],
    ['layer', 'head'],
    ['artifact', 'get', 'x'],
    ['index', 'create', 'x'],
    ['image'],
    ['registry', 'set', 'x'],
  ]) {
    const hint = regclientHint(words);
    assert.ok(hint?.startsWith(`${PREFIX}: "regctl ${words.slice(0, 2).join(' ')}"`), `${words.join(' ')}: ${hint}`);
    assert.ok(!hint?.includes('\n'));
  }
  assert.equal(regclientHint(['repo', 'ls', 'localhost:5000']), `${PREFIX}: for "regctl repo ls" use: regctl catalog localhost:5000`);
  assert.equal(
    regclientHint(['tag', 'rm', 'localhost:5000/a:v1']),
    `${PREFIX}: for "regctl tag rm" use: regctl delete localhost:5000/a:v1 (regctl rmi untags the local cache)`,
  );
  assert.equal(regclientHint(['manifest', 'rm', 'r/a@sha256:x']), `${PREFIX}: for "regctl manifest rm" use: regctl delete r/a@sha256:x`);
});

test('words that are not regclient commands get no hint', () => {
  for (const words of [['pull', 'alpine'], ['nosuch'], ['tags', 'alpine'], [], ['--tag']]) assert.equal(regclientHint(words), undefined, words.join(' '));
});

test('option words are not taken as operands', () => {
  assert.equal(regclientHint(['tag', '--verbose', 'ls', 'alpine']), `${PREFIX}: for "regctl tag ls" use: regctl tags alpine`);
});

/** A program like regctl's, with a `manifest` group as issue 14 will add it, and a `tags` command. */
function program(ran: string[]): Command {
  const p = new Command('regctl').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  p.command('tags')
    .argument('<repo>')
    .action((repo: string) => {
      ran.push(`tags ${repo}`);
    });
  const manifest = p.command('manifest');
  manifest
    .command('create')
    .argument('<list>')
    .action((list: string) => {
      ran.push(`manifest create ${list}`);
    });
  installFallbacks(p);
  for (const c of p.commands) c.exitOverride();
  return p;
}

async function outcome(args: string[]): Promise<{ ran: string[]; error?: unknown }> {
  const ran: string[] = [];
  try {
    await program(ran).parseAsync(['node', 'regctl', ...args]);
    return { ran };
  } catch (error) {
    return { ran, error };
  }
}

test('a real command always wins over a hint, also inside a command group', async () => {
  assert.deepEqual(await outcome(['manifest', 'create', 'x']), { ran: ['manifest create x'] });
  assert.deepEqual(await outcome(['tags', 'x']), { ran: ['tags x'] });
  const get = await outcome(['manifest', 'get', 'alpine']);
  assert.ok(get.error instanceof RegctlError && get.error.kind === 'usage', String(get.error));
  assert.equal(get.error.message, `${PREFIX}: for "regctl manifest get" use: regctl inspect --remote --raw alpine`);
  const group = await outcome(['image', 'inspect', 'alpine']);
  assert.ok(group.error instanceof RegctlError);
  assert.deepEqual(group.ran, []);
});

test('unknown words that are no regclient command stay commander errors', async () => {
  const top = await outcome(['nosuch']);
  assert.equal((top.error as { code?: string }).code, 'commander.unknownCommand');
  const sub = await outcome(['manifest', 'nosuch']);
  assert.equal((sub.error as { code?: string }).code, 'commander.unknownCommand');
  const option = await outcome(['--nosuch']);
  assert.equal((option.error as { code?: string }).code, 'commander.unknownOption');
});
