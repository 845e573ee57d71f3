import assert from 'node:assert/strict';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isolatedEnv, REGCTL_BIN, runCli, tempDir } from '../support/cli.js';
import { requireTool, run } from '../support/tools.js';

const FIXTURE_CACHE = resolve(REGCTL_BIN, '..', '..', 'fixtures', 'oci', 'cache-multi');
/** The one image the fixture cache names, in docker's short form. */
const CACHED = 'ghcr.io/acme/multi:1.0';

describe('regctl completion', { timeout: 60_000 }, () => {
  const t = tempDir('regctl-completion-');
  const bin = join(t.dir, 'bin');
  const cache = join(t.dir, 'cache');
  const scripts: Record<string, string> = {};
  let env: NodeJS.ProcessEnv;

  before(async () => {
    // The scripts call `regctl __complete …` by the name typed: put this checkout's regctl on PATH.
    mkdirSync(bin);
    symlinkSync(REGCTL_BIN, join(bin, 'regctl'));
    cpSync(FIXTURE_CACHE, cache, { recursive: true });
    env = { ...isolatedEnv(), PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      scripts[shell] = join(t.dir, `regctl.${shell}`);
      writeFileSync(scripts[shell] as string, r.stdout);
    }
  });

  after(() => t.remove());

  /** Runs the bash completion function on `line` (cursor at its end) and returns COMPREPLY. */
  async function bashComplete(lines: string[]): Promise<string[][]> {
    const calls = lines.map((l) => `COMP_LINE=${JSON.stringify(l)}; COMP_POINT=\${#COMP_LINE}; _regctl; printf '%s\\n' "\${COMPREPLY[*]}"`).join('\n');
    const r = await run(requireTool('bash'), ['-c', `source ${scripts['bash']}\n${calls}`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout
      .split('\n')
      .slice(0, lines.length)
      .map((l) => l.split(' ').filter(Boolean));
  }

  it('bash: sourcing registers the completion function', async () => {
    const r = await run(requireTool('bash'), ['-c', `source ${scripts['bash']} && complete -p regctl`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'complete -F _regctl regctl\n');
  });

  it('bash: completes command names, subcommands, flags and flag values', async () => {
    const [commands, all, sub, flags, values, valued, progress, shells, help] = await bashComplete([
      'regctl pu',
      'regctl ',
      'regctl manifest ',
      'regctl manifest create --a',
      'regctl pull --platform linux/arm',
      'regctl pull --platform=linux/arm6',
      'regctl --progress ',
      'regctl completion ',
      'regctl help ma',
    ]);
    assert.deepEqual(commands, ['pull', 'push']);
    for (const c of ['pull', 'copy', 'manifest', 'completion', 'version', 'delete']) assert.ok(all?.includes(c), `${c} in ${all}`);
    assert.ok(!all?.includes('__complete'), 'hidden commands are not offered');
    assert.deepEqual(sub, ['create', 'annotate', 'inspect', 'push', 'rm']);
    assert.deepEqual(flags, ['--amend', '--all', '--annotation']);
    assert.deepEqual(values, ['linux/arm64', 'linux/arm64/v8', 'linux/arm/v7', 'linux/arm/v6']);
    // "=" is a COMP_WORDBREAKS character: bash replaces what follows it.
    assert.deepEqual(valued, ['linux/arm64', 'linux/arm64/v8']);
    assert.deepEqual(progress, ['auto', 'tty', 'plain', 'json', 'none']);
    assert.deepEqual(shells, ['bash', 'zsh', 'fish']);
    assert.deepEqual(help, ['manifest']);
  });

  it('bash: completes cached image names for tag, rmi, push, inspect, save (and the cache the line names)', async () => {
    const [tag, rmi, push, inspect, save, colon, equals, none] = await bashComplete([
      `regctl --cache-dir ${cache} tag `,
      `regctl rmi --cache-dir ${cache} gh`,
      `regctl push --cache-dir ${cache} `,
      `regctl --cache-dir ${cache} inspect --raw `,
      `regctl --cache-dir ${cache} save -o x.tar `,
      `regctl --cache-dir ${cache} rmi ghcr.io/acme/multi:1`,
      `regctl --cache-dir=${cache} manifest create l:1 `,
      `regctl --cache-dir ${join(t.dir, 'no-such-cache')} tag `,
    ]);
    for (const got of [tag, rmi, push, inspect, save, equals]) assert.deepEqual(got, [CACHED]);
    // ":" is a COMP_WORDBREAKS character too: after it, only the rest of the name is offered.
    assert.deepEqual(colon, ['1.0']);
    assert.deepEqual(none, []);
  });

  it('zsh: the script parses, registers with compinit, and its tables answer', async () => {
    const zsh = requireTool('zsh');
    const syntax = await run(zsh, ['-n', scripts['zsh'] as string], { env });
    assert.equal(syntax.code, 0, syntax.stderr);
    const r = await run(
      zsh,
      [
        '-f',
        '-c',
        [
          `autoload -Uz compinit && compinit -u -d ${join(t.dir, 'zcompdump')}`,
          `source ${scripts['zsh']}`,
          'print -r -- "$_comps[regctl]"',
          '_regctl_words=(regctl --cache-dir /c manifest create --amend l:1 "")',
          'print -r -- "$(_regctl_path)"',
          '_regctl_flags "manifest create"',
          '_regctl_value pull --platform',
          '_regctl_value inspect --config',
          '_regctl_value inspect --cache-dir',
          '_regctl_operands tag',
        ].join('\n'),
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const [registered, path, flags, platform, inspectConfig, cacheDir, operands] = r.stdout.split('\n');
    assert.equal(registered, '_regctl');
    assert.equal(path, 'manifest create');
    assert.match(flags ?? '', /--amend --all --annotation --push/);
    assert.match(platform ?? '', /^words:linux\/amd64 /);
    assert.equal(inspectConfig, '', "inspect's --config takes no value");
    assert.equal(cacheDir, 'dirs');
    assert.equal(operands, 'images');
  });

  it('fish: completes commands, flags, values and cached names', async () => {
    const fish = requireTool('fish');
    const syntax = await run(fish, ['-n', scripts['fish'] as string], { env });
    assert.equal(syntax.code, 0, syntax.stderr);
    const complete = async (line: string): Promise<string[]> => {
      const r = await run(fish, ['--no-config', '-c', `source ${scripts['fish']}; complete -C ${JSON.stringify(line)}`], { env });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0] as string);
    };
    assert.deepEqual(await complete('regctl pu'), ['pull', 'push']);
    assert.deepEqual(await complete('regctl manifest create --a'), ['--all', '--amend', '--annotation']);
    assert.deepEqual(await complete('regctl pull --platform linux/arm6'), ['linux/arm64', 'linux/arm64/v8']);
    assert.deepEqual(await complete(`regctl --cache-dir ${cache} tag `), [CACHED]);
  });
});
