import type { Command } from 'commander';
import { intInRange, platformList } from './option-parsers.js';
import type { CopyCommandOptions } from '../commands/copy.js';
import type { DigestOptions } from '../commands/digest.js';
import type { PullOptions } from '../commands/pull.js';
import type { PushOptions } from '../commands/push.js';
import type { TagsOptions } from '../commands/tags.js';
import { FORMAT_FIELDS } from './format-help.js';
import type { CommandRunner } from './runner.js';
import { transferCall } from './transfer-call.js';
import { addUploadOptions, type UploadFlags, uploadFlags } from './upload-options.js';

const UPLOAD_HELP = `
Uploads: each blob goes up in one streamed PUT; with --chunked-above SIZE, blobs larger than SIZE go
up in PATCH chunks of --chunk-size (default 16MiB, raised to the registry's OCI-Chunk-Min-Length).
A registry that refuses a single-request upload (e.g. a proxy answering 413) is switched to chunks
automatically, re-reading the blob from its source.`;

/** `--referrers` and `--digest-tags` of pull and copy. */
interface ReferrerOpts {
  referrers?: boolean;
  digestTags?: boolean;
}

function referrerFlags(opts: ReferrerOpts): ReferrerOpts {
  return { ...(opts.referrers ? { referrers: true } : {}), ...(opts.digestTags ? { digestTags: true } : {}) };
}

/** Registers the registry commands: pull, push, copy, tags, digest. */
export function registerRemoteCommands(program: Command, run: CommandRunner): void {
  program
    .command('pull')
    .argument('<reference>', 'image to fetch, e.g. alpine, ghcr.io/org/app:1.2, app@sha256:…')
    .option(
      '--platform <os/arch[,…]>',
      'platform to pull from a multi-platform image (default: this host); several (comma-separated or repeated) store an index of just those',
      platformList,
    )
    .option('--all-platforms', 'store the whole index and every platform')
    .option('--referrers', 'also store what refers to it (signatures, SBOMs, attestations), recursively')
    .option('--digest-tags', "also store cosign's sha256-<hex>.sig/.att/.sbom tags")
    .option('--json', 'one JSON document on stdout (name, digest, stored digest, blobs fetched, bytes)')
    .description('fetch an image from its registry into the cache')
    .addHelpText(
      'after',
      '\nExamples:\n  regctl pull alpine\n  regctl pull --platform linux/arm64 ghcr.io/org/app:1.2\n  regctl pull --platform linux/amd64,linux/arm64 ghcr.io/org/app:1.2\n  regctl pull -q localhost:5000/team/app@sha256:…',
    )
    .action((reference: string, opts: { platform?: string[]; allPlatforms?: boolean; json?: boolean } & ReferrerOpts, cmd: Command) =>
      run(cmd, (flags) => {
        const options: PullOptions = {
          reference,
          ...(opts.platform ? { platform: opts.platform } : {}),
          allPlatforms: !!opts.allPlatforms,
          quiet: !!flags.quiet,
          ...(opts.json ? { json: true } : {}),
          ...referrerFlags(opts),
        };
        return transferCall('pull', 'pull', options, flags, async () => (await import('../commands/pull.js')).pull);
      }),
    );

  addUploadOptions(program.command('push').argument('<reference>', 'a cached image name, e.g. localhost:5000/team/app:v1'))
    .option('--json', 'one JSON document on stdout (name, digest, size, blobs pushed/skipped/mounted, bytes)')
    .description('upload a cached image to its registry (blobs it lacks, mounted when possible, then the manifest)')
    .addHelpText(
      'after',
      `${UPLOAD_HELP}\n\nExamples:\n  regctl tag alpine localhost:5000/tools/alpine:3\n  regctl push localhost:5000/tools/alpine:3\n  regctl push -q ghcr.io/org/app:1.2        # prints ghcr.io/org/app@sha256:…`,
    )
    .action((reference: string, opts: UploadFlags & { json?: boolean }, cmd: Command) =>
      run(cmd, (flags) => {
        const options: PushOptions = { reference, quiet: !!flags.quiet, ...(opts.json ? { json: true } : {}), ...uploadFlags(opts) };
        return transferCall('push', 'push', options, flags, async () => (await import('../commands/push.js')).push);
      }),
    );

  addUploadOptions(
    program
      .command('copy')
      .alias('cp')
      .argument('<source>', 'a registry reference or oci:DIR[:REF]')
      .argument('<destination>', 'a registry reference or oci:DIR[:REF]')
      .option('--platform <os/arch[,…]>', 'copy only these platforms of an index, as a new filtered index (repeatable)', platformList)
      .option('--all-platforms', 'copy the whole index, digest unchanged (the default)')
      .option('--referrers', 'also copy what refers to it (signatures, SBOMs, attestations), recursively')
      .option('--digest-tags', "also copy cosign's sha256-<hex>.sig/.att/.sbom tags")
      .option('--json', 'one JSON document on stdout'),
  )
    .description('copy an image between registries and OCI layout directories, streamed, without touching the cache')
    .addHelpText(
      'after',
      `
By default the whole image is copied: a multi-platform index keeps every platform and its digest.
--platform writes an index holding only the platforms named, which has a new digest (printed).
Within one registry, blobs are mounted instead of copied. An oci:DIR destination without REF is
named after the source tag. Prints the destination digest and its pinned reference (-q: only the latter).
--referrers also copies every referrer (found by the source's referrers API or sha256-<hex> fallback
tag, recursively) so the destination's own discovery finds them; --platform keeps the buildx
attestations of the platforms kept.
${UPLOAD_HELP}

Examples:
  regctl copy ghcr.io/org/app:1.2 registry.example.com/app:1.2
  regctl copy --platform linux/amd64,linux/arm64 docker.io/library/alpine:3 localhost:5000/alpine:3
  regctl copy localhost:5000/app:1 oci:./app-layout:1
  regctl copy oci:./app-layout:1 localhost:5000/app:1
  regctl copy --referrers --digest-tags ghcr.io/org/app:1.2 registry.example.com/app:1.2`,
    )
    .action(
      (source: string, destination: string, opts: UploadFlags & ReferrerOpts & { platform?: string[]; allPlatforms?: boolean; json?: boolean }, cmd: Command) =>
        run(cmd, (flags) => {
          const options: CopyCommandOptions = {
            source,
            destination,
            ...(opts.platform ? { platforms: opts.platform } : {}),
            allPlatforms: !!opts.allPlatforms,
            json: !!opts.json,
            quiet: !!flags.quiet,
            ...uploadFlags(opts),
            ...referrerFlags(opts),
          };
          return transferCall('copy', 'copy', options, flags, async () => (await import('../commands/copy.js')).copy);
        }),
    );

  program
    .command('tags')
    .argument('<repository>', 'a repository without tag, e.g. ghcr.io/org/app or alpine')
    .option('--json', 'one JSON document on stdout')
    .option('--page-size <n>', 'tags asked for per request (default: the registry decides)', intInRange(1, 10_000))
    .option('--format <template>', `Go template per tag, "table …" or "json" (${FORMAT_FIELDS.tags})`)
    .description("list a repository's tags in its registry (follows Link pagination)")
    .addHelpText(
      'after',
      "\nExamples:\n  regctl tags alpine\n  regctl tags --json localhost:5000/team/app\n  regctl tags --format '{{.Name}}' localhost:5000/team/app",
    )
    .action((repository: string, opts: { json?: boolean; pageSize?: number; format?: string }, cmd: Command) =>
      run(cmd, () => {
        const options: TagsOptions = {
          repository,
          json: !!opts.json,
          ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
          ...(opts.format !== undefined ? { format: opts.format } : {}),
        };
        return { name: 'tags', options, run: async (session, io) => (await import('../commands/tags.js')).tags(session, options, io) };
      }),
    );

  program
    .command('digest')
    .argument('<reference>', 'an image in a registry, e.g. alpine:3 or ghcr.io/org/app:1.2')
    .option('--json', 'one JSON document on stdout')
    .option('--format <template>', `Go template (${FORMAT_FIELDS.digest})`)
    .description('print the manifest digest in the registry, without downloading the image (a HEAD request)')
    .addHelpText(
      'after',
      "\nExamples:\n  regctl digest alpine:3\n  regctl digest --json localhost:5000/team/app:v1\n  regctl digest --format '{{.Name}}@{{.Digest}}' alpine:3",
    )
    .action((reference: string, opts: { json?: boolean; format?: string }, cmd: Command) =>
      run(cmd, () => {
        const options: DigestOptions = { reference, json: !!opts.json, ...(opts.format !== undefined ? { format: opts.format } : {}) };
        return { name: 'digest', options, run: async (session, io) => (await import('../commands/digest.js')).digest(session, options, io) };
      }),
    );
}
