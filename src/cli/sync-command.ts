import type { Command } from 'commander';
import { collect, intInRange } from './option-parsers.js';
import type { SyncCommandOptions } from '../commands/sync.js';
import type { CommandRunner } from './runner.js';
import { createSyncDisplay } from './sync-progress.js';

interface SyncFlags {
  tags?: string[];
  platform?: string[];
  referrers?: boolean;
  dryRun?: boolean;
  json?: boolean;
  jobs?: number;
  maxRequests?: number;
  ratelimitMin?: number;
  shard?: string;
}

const HELP = `
With FILE (YAML or JSON), every item of its sync: list; with SRC-REPO DST-REPO, every tag of SRC-REPO
(or those matching --tags). Idempotent: each tag is HEADed on both sides and copied only when the
target's digest differs, so a second run writes nothing and a killed run, run again, finishes what is
missing. Failures do not stop the run; each image's result is printed as it finishes.

Exit: 0 all succeeded (skipped images included), 1 any failed, 4 every failure was an auth refusal,
2 a bad file or flag (naming file:line and the field).

File:
  defaults: { platforms: [linux/amd64, linux/arm64], concurrency: 4 }
  sync:
    - source: docker.io/library/alpine            # a repository: its tags, filtered
      target: registry.corp.example/mirror/alpine
      tags: { semver: ">=3.18", allow: ["^latest$"], deny: ["-rc"] }
    - source: ghcr.io/org/app:1.4.2                # one image
      target: oci:/srv/airgap/app

Examples:
  regctl sync docker.io/library/alpine localhost:5000/mirror/alpine --tags '^3\\.' --platform linux/amd64
  regctl sync mirror.yaml --dry-run
  regctl sync mirror.yaml --json --jobs 8 > report.json
  regctl sync mirror.yaml --shard 2/4         # the 2nd of 4 CI jobs: every 4th image, from the 2nd`;

/** Registers `sync`. */
export function registerSyncCommand(program: Command, run: CommandRunner): void {
  program
    .command('sync')
    .argument('<file-or-source>', 'a sync file (YAML or JSON), or SRC-REPO: a repository or one image')
    .argument('[target]', 'DST-REPO: a repository, an image reference, or oci:DIR (with SRC-REPO)')
    .option('--tags <regex>', 'with SRC-REPO: only tags matching REGEX (repeatable; unanchored, e.g. "^v1\\.")', collect)
    .option('--platform <os/arch[,…]>', 'with SRC-REPO: keep only these platforms of a multi-platform image (repeatable)', collect)
    .option('--referrers', 'also copy what refers to each image (signatures, SBOMs)')
    .option('--dry-run', 'list what would be copied (source, digest, target); write nothing')
    .option('--json', 'one JSON document on stdout: a result per image and totals')
    .option('--jobs <n>', 'images copied in parallel (default 4), each with --concurrency blobs at once', intInRange(1, 64))
    .option('--max-requests <n>', 'requests in flight per registry (default 8)', intInRange(1, 256))
    .option(
      '--ratelimit-min <n>',
      "stop starting pulls from a registry whose ratelimit-remaining (Docker Hub's pull limit) is down to N (default 10)",
      intInRange(0, 1_000_000),
    )
    .option('--shard <i/n>', 'take every N-th image of the expanded plan, starting with the I-th (split a sync across CI jobs)')
    .description('mirror repositories and tags between registries or into OCI directories (idempotent, parallel, rate-limit aware)')
    .addHelpText('after', HELP)
    .action((first: string, target: string | undefined, opts: SyncFlags, cmd: Command) =>
      run(cmd, (flags) => {
        const options: SyncCommandOptions = {
          ...(target === undefined ? { file: first } : { source: first, target }),
          ...(opts.tags ? { tags: opts.tags } : {}),
          ...(opts.platform ? { platforms: opts.platform } : {}),
          referrers: !!opts.referrers,
          dryRun: !!opts.dryRun,
          json: !!opts.json,
          quiet: !!flags.quiet,
          ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
          ...(opts.maxRequests !== undefined ? { maxRequests: opts.maxRequests } : {}),
          ...(opts.ratelimitMin !== undefined ? { ratelimitMin: opts.ratelimitMin } : {}),
          ...(opts.shard !== undefined ? { shard: opts.shard } : {}),
        };
        return {
          name: 'sync',
          options,
          run: async (session, io, cli) => {
            const { sync } = await import('../commands/sync.js');
            const display = await createSyncDisplay(flags.progress ?? 'auto', !!flags.quiet, io, cli.stderr);
            try {
              return await sync(session, options, display.io, display.onEvent);
            } finally {
              display.stop();
            }
          },
        };
      }),
    );
}
