import type { Command } from 'commander';
import type { ManifestAnnotateOptions } from '../commands/manifest-annotate.js';
import type { ManifestCreateOptions } from '../commands/manifest-create.js';
import type { ManifestCreatePushOptions } from '../commands/manifest-create-push.js';
import type { ManifestInspectOptions } from '../commands/manifest-inspect.js';
import type { ManifestPushOptions } from '../commands/manifest-push.js';
import type { ManifestRmOptions } from '../commands/manifest-rm.js';
import { RegctlError } from '../errors.js';
import { collect } from './option-parsers.js';
import type { CommandRunner } from './runner.js';
import { transferCall } from './transfer-call.js';
import { addUploadOptions, type UploadFlags, uploadFlags } from './upload-options.js';

interface CreateFlags extends UploadFlags {
  amend?: boolean;
  all?: boolean;
  annotation?: string[];
  push?: boolean;
  json?: boolean;
}

interface AnnotateFlags {
  os?: string;
  arch?: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string;
  annotation?: string[];
  json?: boolean;
}

const CREATE_HELP = `
Each SRC adds one entry, with the platform its config names (docker manifest create): a cached image
as it is, else the image in its registry — its manifest and config are read into the cache now, its
layers stay there until push mounts them (same registry) or streams them from there. A SRC that is
itself a multi-platform index is refused unless --all takes every one of its entries.
With --push the list is made in LIST's registry instead, without the cache (docker buildx imagetools
create): each image is mounted into LIST's repository within one registry, streamed from another,
then the index is pushed and its digest printed.

Examples:
  regctl manifest create localhost:5000/team/app:v1 localhost:5000/team/app:v1-amd64 localhost:5000/team/app:v1-arm64
  regctl manifest create --amend localhost:5000/team/app:v1 localhost:5000/team/app:v1-riscv64
  regctl manifest create --all --annotation org.opencontainers.image.version=1 r.example/app:1 docker.io/library/alpine:3
  regctl manifest create --push registry.example.com/app:v1 registry.example.com/app:v1-amd64 ghcr.io/org/app:v1-arm64`;

/** Registers `manifest` and its subcommands: create, annotate, inspect, push, rm (docker manifest's verbs). */
export function registerManifestCommands(program: Command, run: CommandRunner): void {
  const manifest = program
    .command('manifest')
    .description('make, change and push multi-platform manifest lists (image indexes), as docker manifest does')
    .addHelpText(
      'after',
      `
A manifest list (OCI image index) names one image per platform. manifest create makes one in the cache
from images (cached or in a registry), manifest annotate corrects an entry's platform, manifest push
(or regctl push) pushes the images and the list. manifest create --push does it all in the registry.

Examples:
  regctl manifest create localhost:5000/team/app:v1 localhost:5000/team/app:v1-amd64 localhost:5000/team/app:v1-arm64
  regctl manifest annotate --variant v8 localhost:5000/team/app:v1 localhost:5000/team/app:v1-arm64
  regctl manifest push localhost:5000/team/app:v1`,
    );

  const create = manifest
    .command('create')
    .argument('<list>', 'the manifest list to make, REPO:TAG')
    .argument('<sources...>', 'images to list: cached names, digests or IDs, or registry references')
    .option('--amend', 'add to an existing LIST instead of refusing')
    .option('--all', 'take every entry of a SRC that is itself a multi-platform index')
    .option('--annotation <key=value>', 'an annotation on the index (repeatable)', collect)
    .option('--push', 'make the list in the registry, not the cache (docker buildx imagetools create); prints its digest')
    .option('--json', 'one JSON document on stdout (name, digest, entries; with --push the blobs moved too)');
  addUploadOptions(create, 'with --push: ')
    .description('make a manifest list from images, in the cache (or with --push in the registry)')
    .addHelpText('after', CREATE_HELP)
    .action((list: string, sources: string[], opts: CreateFlags, cmd: Command) =>
      run(cmd, (flags) => {
        const base: ManifestCreateOptions = {
          list,
          sources,
          amend: !!opts.amend,
          all: !!opts.all,
          annotations: opts.annotation ?? [],
          json: !!opts.json,
          quiet: !!flags.quiet,
        };
        if (!opts.push) {
          if (opts.chunkedAbove !== undefined || opts.chunkSize !== undefined)
            throw new RegctlError('usage', '--chunked-above and --chunk-size go with --push');
          return {
            name: 'manifestCreate',
            options: base,
            run: async (session, io) => (await import('../commands/manifest-create.js')).manifestCreate(session, base, io),
          };
        }
        const options: ManifestCreatePushOptions = { ...base, ...uploadFlags(opts) };
        return transferCall('manifestCreatePush', 'push', options, flags, async () => (await import('../commands/manifest-create-push.js')).manifestCreatePush);
      }),
    );

  manifest
    .command('annotate')
    .argument('<list>', 'a cached manifest list, REPO:TAG')
    .argument('<source>', 'the entry to change: the image it was made from, or its digest')
    .option('--os <os>', "the entry's operating system, e.g. linux")
    .option('--arch <arch>', "the entry's architecture, e.g. arm64")
    .option('--variant <variant>', "the entry's variant, e.g. v8 (empty: none)")
    .option('--os-version <version>', "the entry's os.version, e.g. 10.0.17763.1577 for Windows")
    .option('--os-features <features>', "the entry's os.features, comma-separated")
    .option('--annotation <key=value>', 'an annotation on the entry (repeatable)', collect)
    .option('--json', 'one JSON document on stdout: the list after the change')
    .description('set the platform fields and annotations of one entry of a cached manifest list (a new digest)')
    .addHelpText('after', '\nExample:\n  regctl manifest annotate --arch arm64 --variant v8 localhost:5000/team/app:v1 localhost:5000/team/app:v1-arm64')
    .action((list: string, source: string, opts: AnnotateFlags, cmd: Command) =>
      run(cmd, () => {
        const options: ManifestAnnotateOptions = {
          list,
          source,
          ...(opts.os !== undefined ? { os: opts.os } : {}),
          ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
          ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
          ...(opts.osVersion !== undefined ? { osVersion: opts.osVersion } : {}),
          ...(opts.osFeatures !== undefined ? { osFeatures: opts.osFeatures } : {}),
          annotations: opts.annotation ?? [],
          json: !!opts.json,
        };
        return {
          name: 'manifestAnnotate',
          options,
          run: async (session, io) => (await import('../commands/manifest-annotate.js')).manifestAnnotate(session, options, io),
        };
      }),
    );

  manifest
    .command('inspect')
    .argument('<reference>', 'a cached manifest list or image, else one in its registry')
    .description("print a manifest list (or manifest) as JSON: the cached one, else the registry's")
    .addHelpText('after', '\nExamples:\n  regctl manifest inspect localhost:5000/team/app:v1\n  regctl manifest inspect alpine:3')
    .action((reference: string, _opts: unknown, cmd: Command) =>
      run(cmd, () => {
        const options: ManifestInspectOptions = { reference };
        return {
          name: 'manifestInspect',
          options,
          run: async (session, io) => (await import('../commands/manifest-inspect.js')).manifestInspect(session, options, io),
        };
      }),
    );

  addUploadOptions(
    manifest
      .command('push')
      .argument('<list>', 'a cached manifest list, REPO:TAG')
      .option('--purge', 'remove the list from the cache once pushed')
      .option('--json', 'one JSON document on stdout (as regctl push --json)'),
  )
    .description("push a cached manifest list: its images' blobs (mounted, or streamed from their registry), the images, the index; prints its digest")
    .addHelpText(
      'after',
      '\nExamples:\n  regctl manifest push localhost:5000/team/app:v1\n  regctl push localhost:5000/team/app:v1      the same, printed as docker push does',
    )
    .action((list: string, opts: UploadFlags & { purge?: boolean; json?: boolean }, cmd: Command) =>
      run(cmd, (flags) => {
        const options: ManifestPushOptions = { list, purge: !!opts.purge, json: !!opts.json, quiet: !!flags.quiet, ...uploadFlags(opts) };
        return transferCall('manifestPush', 'push', options, flags, async () => (await import('../commands/manifest-push.js')).manifestPush);
      }),
    );

  manifest
    .command('rm')
    .argument('<lists...>', 'cached manifest lists, REPO:TAG')
    .option('--json', 'one JSON document on stdout (the lists removed)')
    .description('remove manifest lists from the cache (blobs stay until prune; the registry is not touched)')
    .addHelpText('after', '\nExample:\n  regctl manifest rm localhost:5000/team/app:v1\n\nTo delete a manifest in its registry: regctl delete REPO@DIGEST')
    .action((lists: string[], opts: { json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: ManifestRmOptions = { lists, json: !!opts.json };
        return { name: 'manifestRm', options, run: async (session, io) => (await import('../commands/manifest-rm.js')).manifestRm(session, options, io) };
      }),
    );
}
