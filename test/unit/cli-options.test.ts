import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../../src/cli/run-cli.js';
import { globalFlags, type GlobalFlags } from '../../src/cli/runner.js';
import type { RunnerFactory } from '../../src/cli/session-runner.js';
import { captureIo } from '../support/cli-io.js';

// argv → the options object each command function receives, in process: the program is built with a
// runner that records the call instead of opening a session (as changesets' cli.test.ts or regclient's
// cobraTest), so every flag's wiring and every usage error is checked without spawning regctl.

interface Recorded {
  name: string;
  options: object;
  flags: GlobalFlags;
}

const recorder =
  (calls: Recorded[]): RunnerFactory =>
  (_cli, state) =>
  async (cmd, build) => {
    const flags = globalFlags(cmd);
    state.flags = flags;
    const call = build(flags);
    calls.push({ name: call.name, options: call.options, flags });
  };

async function parse(args: string[]): Promise<{ code: number; stdout: string; stderr: string; calls: Recorded[] }> {
  const calls: Recorded[] = [];
  const io = captureIo();
  const code = await runCli(args, io.cli, recorder(calls));
  return { code, stdout: io.stdout(), stderr: io.stderr(), calls };
}

const GLOBAL_KEYS = ['cacheDir', 'config', 'insecureRegistry', 'caCert', 'concurrency', 'progress', 'color', 'debug', 'quiet'] as const;
const DEFAULT_FLAGS: GlobalFlags = { progress: 'auto', color: true };

/** The global flags alone (commander's optsWithGlobals also holds the command's own options). */
function globalsOf(flags: GlobalFlags): GlobalFlags {
  return Object.fromEntries(GLOBAL_KEYS.filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]]));
}

/** One row: argv, the command function it runs and its options, and the global flags when not the defaults. */
type Row = [args: string[], name: string, options: object, flags?: GlobalFlags];

const ROWS: Row[] = [
  [['pull', 'alpine'], 'pull', { reference: 'alpine', allPlatforms: false, quiet: false }],
  [
    ['pull', '--platform', 'linux/arm64', '--platform', 'linux/amd64,linux/arm/v7', 'x'],
    'pull',
    { reference: 'x', platform: ['linux/arm64', 'linux/amd64,linux/arm/v7'], allPlatforms: false, quiet: false },
  ],
  [
    ['pull', '--all-platforms', '-q', `localhost:5000/a@sha256:${'a'.repeat(64)}`],
    'pull',
    { reference: `localhost:5000/a@sha256:${'a'.repeat(64)}`, allPlatforms: true, quiet: true },
    { ...DEFAULT_FLAGS, quiet: true },
  ],
  [['push', 'localhost:5000/t/a:1'], 'push', { reference: 'localhost:5000/t/a:1', quiet: false }],
  [
    ['push', '--chunked-above', '100MiB', '--chunk-size', '512KiB', 'r'],
    'push',
    { reference: 'r', quiet: false, chunkedAbove: 100 * 1024 ** 2, chunkSize: 512 * 1024 },
  ],
  [['copy', 'a:1', 'oci:./dir:1'], 'copy', { source: 'a:1', destination: 'oci:./dir:1', allPlatforms: false, json: false, quiet: false }],
  [
    ['cp', '--platform', 'linux/amd64,linux/arm64', '--json', '--chunked-above', '1G', 'a', 'b'],
    'copy',
    { source: 'a', destination: 'b', platforms: ['linux/amd64,linux/arm64'], allPlatforms: false, json: true, quiet: false, chunkedAbove: 1024 ** 3 },
  ],
  [
    ['copy', '--all-platforms', '--chunk-size', '1048576', 'a', 'b'],
    'copy',
    { source: 'a', destination: 'b', allPlatforms: true, json: false, quiet: false, chunkSize: 1048576 },
  ],
  [['pull', '--referrers', '--digest-tags', 'x'], 'pull', { reference: 'x', allPlatforms: false, quiet: false, referrers: true, digestTags: true }],
  [['copy', '--referrers', 'a', 'b'], 'copy', { source: 'a', destination: 'b', allPlatforms: false, json: false, quiet: false, referrers: true }],
  [['referrers', 'a:1'], 'referrers', { reference: 'a:1', local: false, json: false }],
  [
    ['referrers', '--artifact-type', 'application/spdx+json', '--local', '--json', 'a:1'],
    'referrers',
    { reference: 'a:1', artifactType: 'application/spdx+json', local: true, json: true },
  ],
  [['sync', 'mirror.yaml'], 'sync', { file: 'mirror.yaml', referrers: false, dryRun: false, json: false, quiet: false }],
  [
    [
      'sync',
      '--tags',
      '^v',
      '--platform',
      'linux/amd64',
      '--referrers',
      '--dry-run',
      '--json',
      '--jobs',
      '2',
      '--max-requests',
      '16',
      '--ratelimit-min',
      '5',
      '--shard',
      '1/3',
      'a/b',
      'c/d',
    ],
    'sync',
    {
      source: 'a/b',
      target: 'c/d',
      tags: ['^v'],
      platforms: ['linux/amd64'],
      referrers: true,
      dryRun: true,
      json: true,
      quiet: false,
      jobs: 2,
      maxRequests: 16,
      ratelimitMin: 5,
      shard: '1/3',
    },
  ],
  [
    ['attach', '--artifact-type', 't/x', 'a:1', 'f1', 'f2'],
    'attach',
    { reference: 'a:1', files: ['f1', 'f2'], artifactType: 't/x', annotations: [], json: false, quiet: false },
  ],
  [
    ['attach', '--artifact-type', 't/x', '--annotation', 'k=v', '--media-type', 'text/plain', '--json', 'a:1'],
    'attach',
    { reference: 'a:1', files: [], artifactType: 't/x', annotations: ['k=v'], mediaType: 'text/plain', json: true, quiet: false },
  ],
  [['tags', 'alpine'], 'tags', { repository: 'alpine', json: false }],
  [['tags', '--json', '--page-size', '50', 'ghcr.io/o/a'], 'tags', { repository: 'ghcr.io/o/a', json: true, pageSize: 50 }],
  [['digest', 'alpine:3'], 'digest', { reference: 'alpine:3', json: false }],
  [['digest', '--json', 'alpine:3'], 'digest', { reference: 'alpine:3', json: true }],
  [['tag', 'alpine', 'localhost:5000/alpine:1'], 'tag', { source: 'alpine', target: 'localhost:5000/alpine:1' }],
  [['images'], 'images', { json: false, digests: false, quiet: false }],
  [
    ['ls', 'alpine', '--digests', '--json', '-q'],
    'images',
    { repository: 'alpine', json: true, digests: true, quiet: true },
    { ...DEFAULT_FLAGS, quiet: true },
  ],
  [['rmi', 'a', 'b:1'], 'rmi', { references: ['a', 'b:1'], force: false }],
  [['rmi', '-f', '4f6c2d1a9b3e'], 'rmi', { references: ['4f6c2d1a9b3e'], force: true }],
  [['prune'], 'prune', { json: false }],
  [['prune', '--json'], 'prune', { json: true }],
  [['check'], 'check', { references: [], repair: false, json: false }],
  [['check', '--repair', '--json', 'alpine', 'sha256:abc'], 'check', { references: ['alpine', 'sha256:abc'], repair: true, json: true }],
  [['inspect', 'alpine'], 'inspect', { reference: 'alpine', json: false, raw: false, config: false }],
  [['inspect', '--remote', '--json', 'alpine'], 'inspectRemote', { reference: 'alpine', json: true, raw: false, config: false }],
  [['inspect', '--raw', 'alpine'], 'inspect', { reference: 'alpine', json: false, raw: true, config: false }],
  [['inspect', '--config', '--remote', 'alpine:3'], 'inspectRemote', { reference: 'alpine:3', json: false, raw: false, config: true }],
  [
    ['--config', '/cfg', 'inspect', '--config', 'a'],
    'inspect',
    { reference: 'a', json: false, raw: false, config: true },
    { ...DEFAULT_FLAGS, config: '/cfg' },
  ],
  [['inspect', '--config=/cfg', 'a'], 'inspect', { reference: 'a', json: false, raw: false, config: false }, { ...DEFAULT_FLAGS, config: '/cfg' }],
  [
    ['inspect', '--format', '{{.Id}}', '--platform', 'linux/arm64', 'a'],
    'inspect',
    { reference: 'a', json: false, raw: false, config: false, format: '{{.Id}}', platform: 'linux/arm64' },
  ],
  [['images', '--format', 'table {{.Repository}}'], 'images', { json: false, digests: false, quiet: false, format: 'table {{.Repository}}' }],
  [['tags', '--format', '{{.Name}}', 'r'], 'tags', { repository: 'r', json: false, format: '{{.Name}}' }],
  [['digest', '--format', '{{.Digest}}', 'x'], 'digest', { reference: 'x', json: false, format: '{{.Digest}}' }],
  [['delete', 'localhost:5000/a:1'], 'deleteRemote', { reference: 'localhost:5000/a:1', json: false, quiet: false }],
  [['delete', '--json', '-q', 'r:old'], 'deleteRemote', { reference: 'r:old', json: true, quiet: true }, { ...DEFAULT_FLAGS, quiet: true }],
  [['catalog', 'localhost:5000'], 'catalog', { registry: 'localhost:5000', json: false }],
  [
    ['catalog', '--json', '-n', '100', '--format', '{{.Name}}', 'r.example'],
    'catalog',
    { registry: 'r.example', json: true, pageSize: 100, format: '{{.Name}}' },
  ],
  [['save', 'a', 'b'], 'save', { references: ['a', 'b'] }],
  [['save', '-o', 'out.tar', '--platform', 'linux/arm64', 'a'], 'save', { references: ['a'], output: 'out.tar', platforms: ['linux/arm64'] }],
  [['save', '-o', '-', 'a'], 'save', { references: ['a'], output: '-' }],
  [['load'], 'load', { quiet: false }],
  [['load', '-i', 'in.tar', '-q'], 'load', { input: 'in.tar', quiet: true }, { ...DEFAULT_FLAGS, quiet: true }],
  [['login'], 'login', { server: 'docker.io', passwordStdin: false }],
  [['login', '-u', 'me', '--password-stdin', '--store', 'file', 'ghcr.io'], 'login', { server: 'ghcr.io', username: 'me', passwordStdin: true, store: 'file' }],
  [['login', '-u', 'me', '-p', 'secret', 'localhost:5000'], 'login', { server: 'localhost:5000', username: 'me', password: 'secret', passwordStdin: false }],
  [['logout'], 'logout', { server: 'docker.io' }],
  [['logout', '--store', 'docker', 'registry.corp.example'], 'logout', { server: 'registry.corp.example', store: 'docker' }],
  // --json on every command that reports (issue 14).
  [['pull', '--json', 'x'], 'pull', { reference: 'x', allPlatforms: false, quiet: false, json: true }],
  [['push', '--json', 'r'], 'push', { reference: 'r', quiet: false, json: true }],
  [['tag', '--json', 'a', 'b'], 'tag', { source: 'a', target: 'b', json: true }],
  [['rmi', '--json', 'a'], 'rmi', { references: ['a'], force: false, json: true }],
  [['load', '--json', '-i', 'in.tar'], 'load', { input: 'in.tar', quiet: false, json: true }],
  [['save', '--json', '-o', 'out.tar', 'a'], 'save', { references: ['a'], output: 'out.tar', json: true }],
  [['login', '--json', '-u', 'me', '--password-stdin', 'r.example'], 'login', { server: 'r.example', username: 'me', passwordStdin: true, json: true }],
  [['logout', '--json', 'r.example'], 'logout', { server: 'r.example', json: true }],
  // manifest lists (docker manifest's verbs).
  [
    ['manifest', 'create', 'r/app:v1', 'r/app:amd64', 'r/app:arm64'],
    'manifestCreate',
    { list: 'r/app:v1', sources: ['r/app:amd64', 'r/app:arm64'], amend: false, all: false, annotations: [], json: false, quiet: false },
  ],
  [
    ['manifest', 'create', '--amend', '--all', '--annotation', 'a=b', '--annotation', 'c=d', '--json', '-q', 'r/app:v1', 'alpine'],
    'manifestCreate',
    { list: 'r/app:v1', sources: ['alpine'], amend: true, all: true, annotations: ['a=b', 'c=d'], json: true, quiet: true },
    { ...DEFAULT_FLAGS, quiet: true },
  ],
  [
    ['manifest', 'create', '--push', '--chunked-above', '1MiB', '--chunk-size', '512KiB', 'r/app:v1', 'r/app:amd64'],
    'manifestCreatePush',
    {
      list: 'r/app:v1',
      sources: ['r/app:amd64'],
      amend: false,
      all: false,
      annotations: [],
      json: false,
      quiet: false,
      chunkedAbove: 1024 ** 2,
      chunkSize: 512 * 1024,
    },
  ],
  [
    [
      'manifest',
      'annotate',
      '--os',
      'linux',
      '--arch',
      'arm64',
      '--variant',
      'v8',
      '--os-version',
      '1.2',
      '--os-features',
      'a,b',
      '--annotation',
      'k=v',
      'l:1',
      's:1',
    ],
    'manifestAnnotate',
    { list: 'l:1', source: 's:1', os: 'linux', arch: 'arm64', variant: 'v8', osVersion: '1.2', osFeatures: 'a,b', annotations: ['k=v'], json: false },
  ],
  [['manifest', 'annotate', '--json', 'l:1', 's:1'], 'manifestAnnotate', { list: 'l:1', source: 's:1', annotations: [], json: true }],
  [['manifest', 'inspect', 'l:1'], 'manifestInspect', { reference: 'l:1' }],
  [['manifest', 'push', 'l:1'], 'manifestPush', { list: 'l:1', purge: false, json: false, quiet: false }],
  [
    ['manifest', 'push', '--purge', '--json', '--chunked-above', '0', 'l:1'],
    'manifestPush',
    { list: 'l:1', purge: true, json: true, quiet: false, chunkedAbove: 0 },
  ],
  [['manifest', 'rm', 'l:1', 'l:2'], 'manifestRm', { lists: ['l:1', 'l:2'], json: false }],
  [['manifest', 'rm', '--json', 'l:1'], 'manifestRm', { lists: ['l:1'], json: true }],
  [
    ['--cache-dir', '/c', 'manifest', 'push', 'l:1', '--progress', 'json'],
    'manifestPush',
    { list: 'l:1', purge: false, json: false, quiet: false },
    { ...DEFAULT_FLAGS, cacheDir: '/c', progress: 'json' },
  ],
  // version, completion and the completion scripts' name lookup.
  [['version'], 'version', { json: false }],
  [['version', '--json'], 'version', { json: true }],
  [['completion', 'bash'], 'completion', { shell: 'bash' }],
  [['completion', 'fish'], 'completion', { shell: 'fish' }],
  [
    ['__complete', 'images', '--', 'regctl', '--cache-dir', '/c', 'tag', ''],
    'completeNames',
    { kind: 'images', words: ['regctl', '--cache-dir', '/c', 'tag', ''] },
  ],
  [['__complete', 'lists', '--'], 'completeNames', { kind: 'lists', words: [] }],
  // Global options before or after the command name (SPEC §3).
  [['--cache-dir', '/c', 'pull', 'x'], 'pull', { reference: 'x', allPlatforms: false, quiet: false }, { ...DEFAULT_FLAGS, cacheDir: '/c' }],
  [['pull', 'x', '--cache-dir', '/c'], 'pull', { reference: 'x', allPlatforms: false, quiet: false }, { ...DEFAULT_FLAGS, cacheDir: '/c' }],
  [['-q', 'push', 'r'], 'push', { reference: 'r', quiet: true }, { ...DEFAULT_FLAGS, quiet: true }],
  [
    ['--insecure-registry', 'a:5000', 'digest', 'x', '--insecure-registry', 'b'],
    'digest',
    { reference: 'x', json: false },
    { ...DEFAULT_FLAGS, insecureRegistry: ['a:5000', 'b'] },
  ],
  [
    ['images', '--config', '/cfg', '--ca-cert', 'a.pem', '--ca-cert', 'b.pem', '--concurrency', '8', '--progress', 'json', '--no-color', '--debug'],
    'images',
    { json: false, digests: false, quiet: false },
    { config: '/cfg', caCert: ['a.pem', 'b.pem'], concurrency: 8, progress: 'json', color: false, debug: true },
  ],
];

describe('argv → command options', () => {
  for (const [args, name, options, flags = DEFAULT_FLAGS] of ROWS) {
    test(`regctl ${args.join(' ')}`, async () => {
      const r = await parse(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(r.calls.length, 1);
      const [call] = r.calls as [Recorded];
      assert.equal(call.name, name);
      assert.deepEqual(call.options, options);
      assert.deepEqual(globalsOf(call.flags), flags);
    });
  }

  test('every command and subcommand has a row', () => {
    const { cli } = captureIo();
    const program = buildProgram(cli, recorder([])(cli, {}));
    const rowPaths = ROWS.map(([args]) => args.filter((a) => !a.startsWith('-')));
    const hasRow = (path: string[]): boolean => rowPaths.some((words) => path.every((name) => words.includes(name)));
    const missing: string[] = [];
    const walk = (cmd: Command, above: string[]): void => {
      for (const c of cmd.commands.filter((x) => x.name() !== 'regctl-fallback')) {
        const names = [c.name(), ...c.aliases()];
        if (c.commands.length > 0) walk(c, [...above, c.name()]);
        else if (!names.some((n) => hasRow([...above, n]))) missing.push([...above, c.name()].join(' '));
      }
    };
    walk(program, []);
    assert.deepEqual(missing, [], 'add rows to ROWS for these commands');
  });
});

/** One usage-error row: argv and the first stderr line; every one exits 2 and runs nothing. */
const USAGE_ERRORS: [args: string[], line: string][] = [
  [['pull', '--platform', 'linux', 'alpine'], 'Error: invalid platform "linux": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8'],
  [['copy', '--platform', 'linux/amd64,amd64', 'a', 'b'], 'Error: invalid platform "amd64": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8'],
  [['save', '--platform', 'Linux/AMD64', 'a'], 'Error: invalid platform "Linux/AMD64": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8'],
  [['--concurrency', '0', 'images'], "Error: option '--concurrency <n>' argument '0' is invalid. must be an integer from 1 to 64"],
  [['pull', '--concurrency', 'many', 'x'], "Error: option '--concurrency <n>' argument 'many' is invalid. must be an integer from 1 to 64"],
  [['--progress', 'fancy', 'images'], "Error: option '--progress <mode>' argument 'fancy' is invalid. Allowed choices are auto, tty, plain, json, none."],
  [
    ['push', '--chunk-size', 'lots', 'r'],
    "Error: option '--chunk-size <size>' argument 'lots' is invalid. must be a size such as 1048576, 512KiB, 16MiB or 1GiB",
  ],
  [['catalog', '-n', '0', 'r'], "Error: option '-n, --page-size <n>' argument '0' is invalid. must be an integer from 1 to 100000"],
  [['catalog'], "Error: missing required argument 'registry'"],
  [['tags', '--page-size', '0', 'r'], "Error: option '--page-size <n>' argument '0' is invalid. must be an integer from 1 to 10000"],
  [['login', '--store', 'vault'], "Error: option '--store <store>' argument 'vault' is invalid. Allowed choices are keychain, docker, file."],
  [['images', '--bogus'], "Error: unknown option '--bogus'"],
  [['--bogus'], "Error: unknown option '--bogus'"],
  [['pull'], "Error: missing required argument 'reference'"],
  [['copy', 'a'], "Error: missing required argument 'destination'"],
  [['tag', 'alpine'], "Error: missing required argument 'target'"],
  [['rmi'], "Error: missing required argument 'references'"],
  [['save'], "Error: missing required argument 'references'"],
  [['pull', 'a', 'b'], "Error: too many arguments for 'pull'. Expected 1 argument but got 2."],
  [['frobnicate'], "Error: unknown command 'frobnicate'"],
  [['pul'], "Error: unknown command 'pul': did you mean pull?"],
  [['pul', 'alpine'], "Error: unknown command 'pul': did you mean pull?"],
  [['manifest', 'creat', 'x'], "Error: unknown command 'creat': did you mean create?"],
  [['pull', '--platfrom', 'x'], "Error: unknown option '--platfrom': did you mean --platform?"],
  [['manifest', 'create', 'l:1'], "Error: missing required argument 'sources'"],
  [['manifest', 'create', '--chunk-size', '1MiB', 'l:1', 's:1'], 'Error: --chunked-above and --chunk-size go with --push'],
  [['completion', 'tcsh'], "Error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish."],
  [
    ['manifest', 'get', 'alpine'],
    `Error: this is the TypeScript regctl (docker-style commands), not regclient's: for "regctl manifest get" use: regctl inspect --remote --raw alpine`,
  ],
  [['tag', 'ls'], `Error: this is the TypeScript regctl (docker-style commands), not regclient's: for "regctl tag ls" use: regctl tags REPO`],
  [['image', 'copy', 'a', 'b'], `Error: this is the TypeScript regctl (docker-style commands), not regclient's: for "regctl image copy" use: regctl copy a b`],
];

describe('usage errors exit 2 with one error line, before anything runs', () => {
  for (const [args, line] of USAGE_ERRORS) {
    test(`regctl ${args.join(' ')}`, async () => {
      const r = await parse(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.split('\n')[0], line);
      assert.equal(r.stdout, '');
      assert.deepEqual(r.calls, []);
    });
  }
});

describe('help and version go to stdout and exit 0', () => {
  for (const args of [[], ['--help'], ['pull', '--help'], ['help', 'copy']]) {
    test(`regctl ${args.join(' ')}`, async () => {
      const r = await parse(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: regctl/);
      assert.equal(r.stderr, '');
      assert.deepEqual(r.calls, []);
    });
  }

  test('regctl --version and -v', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await parse([flag]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    }
  });
});
