import { Option, type Command } from 'commander';
import { RegctlError } from '../errors.js';
import type { CheckOptions } from '../commands/check.js';
import type { ImagesOptions } from '../commands/images.js';
import type { InspectRemoteOptions } from '../commands/inspect-remote.js';
import type { InspectOptions } from '../commands/inspect.js';
import type { PruneOptions } from '../commands/prune.js';
import type { RmiOptions } from '../commands/rmi.js';
import type { TagOptions } from '../commands/tag.js';
import { FORMAT_FIELDS } from './format-help.js';
import { INSPECT_CONFIG_OPTION } from './inspect-config-flag.js';
import type { CommandRunner } from './runner.js';
import { isRegclientSubcommand, regclientHint } from './regclient-hints.js';

/** Registers the cache-only commands: tag, images, rmi, prune, check, inspect. */
export function registerLocalCommands(program: Command, run: CommandRunner): void {
  program
    .command('tag')
    .argument('<source>', 'a cached image: name, digest or image ID')
    // Optional for commander only, so `regctl tag ls` (regclient's) can get a hint; required below.
    .argument('[target]', 'the new name')
    .usage('[options] <source> <target>')
    .option('--json', 'one JSON document on stdout (source, target, digest)')
    .description('give a cached image a new name (the cache only, like docker tag)')
    .addHelpText('after', '\nExample:\n  regctl tag alpine:3.20 localhost:5000/tools/alpine:stable')
    .action((source: string, target: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      // regclient's `regctl tag ls REPO`: a hint, unless the cache really holds an image named `ls`.
      const regclient = isRegclientSubcommand('tag', source) ? regclientHint(['tag', source, ...(target ? [target] : [])]) : undefined;
      if (target === undefined) {
        if (regclient) throw new RegctlError('usage', regclient);
        cmd.error("error: missing required argument 'target'", { code: 'commander.missingArgument' });
      }
      const options: TagOptions = { source, target, ...(opts.json ? { json: true } : {}) };
      return run(cmd, () => ({
        name: 'tag',
        options,
        run: async (session, io) => {
          const { tag } = await import('../commands/tag.js');
          try {
            await tag(session, options, io);
          } catch (err) {
            if (regclient && err instanceof RegctlError && err.kind === 'not-found') throw new RegctlError('usage', regclient, { cause: err });
            throw err;
          }
        },
      }));
    });

  program
    .command('images')
    .alias('ls')
    .argument('[repository]', 'only images of this repository')
    .option('--json', 'one JSON document on stdout')
    .option('--digests', 'show full manifest digests')
    .option('--format <template>', `Go template per image, "table …" or "json" (${FORMAT_FIELDS.images})`)
    .description('list cached images: repository, tag, image ID, created, size')
    .addHelpText(
      'after',
      "\nExamples:\n  regctl images\n  regctl images alpine --digests\n  regctl images --json\n  regctl images --format '{{.Repository}}:{{.Tag}} {{.Size}}'\n  regctl images --format 'table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}'",
    )
    .action((repository: string | undefined, opts: { json?: boolean; digests?: boolean; format?: string }, cmd: Command) =>
      run(cmd, (flags) => {
        const options: ImagesOptions = {
          ...(repository ? { repository } : {}),
          json: !!opts.json,
          digests: !!opts.digests,
          quiet: !!flags.quiet,
          ...(opts.format !== undefined ? { format: opts.format } : {}),
        };
        return { name: 'images', options, run: async (session, io) => (await import('../commands/images.js')).images(session, options, io) };
      }),
    );

  program
    .command('rmi')
    .argument('<references...>', 'names, digests or image IDs to untag')
    .option('-f, --force', 'untag every name of an image given by digest or ID, even when it has several')
    .option('--json', 'one JSON document on stdout (names untagged, references that failed)')
    .description('remove names from the cache (blobs stay until prune)')
    .addHelpText(
      'after',
      '\nExamples:\n  regctl rmi alpine:3.20 localhost:5000/tools/alpine:stable\n  regctl rmi -f 4f6c2d1a9b3e              every name of that image',
    )
    .action((references: string[], opts: { force?: boolean; json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: RmiOptions = { references, force: !!opts.force, ...(opts.json ? { json: true } : {}) };
        return { name: 'rmi', options, run: async (session, io) => (await import('../commands/rmi.js')).rmi(session, options, io) };
      }),
    );

  program
    .command('prune')
    .option('--json', 'one JSON document on stdout')
    .description('delete cached blobs that no image references, and report the space freed')
    .addHelpText('after', '\nExample:\n  regctl rmi alpine && regctl prune')
    .action((opts: { json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: PruneOptions = { json: !!opts.json };
        return { name: 'prune', options, run: async (session, io) => (await import('../commands/prune.js')).prune(session, options, io) };
      }),
    );

  program
    .command('check')
    .argument('[references...]', 'only these cached images (default: every image and every stored blob)')
    .option('--repair', 'remove damaged blobs, so the next pull fetches them again')
    .option('--json', 'one JSON document on stdout')
    .description('verify the cache: re-hash every blob, report damaged or missing ones (exit 1 when any)')
    .addHelpText('after', '\nExamples:\n  regctl check\n  regctl check alpine:3.20\n  regctl check --repair && regctl pull alpine:3.20')
    .action((references: string[], opts: { repair?: boolean; json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: CheckOptions = { references, repair: !!opts.repair, json: !!opts.json };
        return { name: 'check', options, run: async (session, io) => (await import('../commands/check.js')).check(session, options, io) };
      }),
    );

  program
    .command('inspect')
    .argument('<reference>', 'a cached image (or a remote one with --remote)')
    .option('--remote', 'ask the registry instead of the cache (writes nothing to the cache)')
    .option('--json', 'one JSON document on stdout')
    .option('--raw', "the manifest's exact bytes (| sha256sum gives the digest)")
    .addOption(new Option(INSPECT_CONFIG_OPTION, 'the image config blob, pretty JSON').hideHelp())
    .option('--format <template>', `Go template, docker's field names (${FORMAT_FIELDS.inspect})`)
    .option('--platform <os/arch[/variant]>', "which image of a multi-platform index --config and --format describe (default: this host's)")
    .description('show manifest, config, platform, size, settings and history of an image')
    .addHelpText(
      'after',
      `
Also:
  --config   the image config blob, pretty JSON (after "inspect", --config is this flag: give the
             config directory before the command, regctl --config DIR inspect …, or as --config=DIR)

Examples:
  regctl inspect alpine
  regctl inspect --remote --json ghcr.io/org/app:1.2
  regctl inspect --raw alpine | sha256sum
  regctl inspect --config --remote alpine:3
  regctl inspect --format '{{.Id}} {{.Os}}/{{.Architecture}} {{json .Config.Labels}}' alpine`,
    )
    .action((reference: string, opts: InspectFlags, cmd: Command) =>
      run(cmd, () => {
        const view = {
          json: !!opts.json,
          raw: !!opts.raw,
          config: !!opts.configBlob,
          ...(opts.format !== undefined ? { format: opts.format } : {}),
          ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
        };
        if (opts.remote) {
          const options: InspectRemoteOptions = { reference, ...view };
          return {
            name: 'inspectRemote',
            options,
            run: async (session, io) => (await import('../commands/inspect-remote.js')).inspectRemote(session, options, io),
          };
        }
        const options: InspectOptions = { reference, ...view };
        return { name: 'inspect', options, run: async (session, io) => (await import('../commands/inspect.js')).inspect(session, options, io) };
      }),
    );
}

/** The flags of `regctl inspect` as commander parses them. */
interface InspectFlags {
  remote?: boolean;
  json?: boolean;
  raw?: boolean;
  configBlob?: boolean;
  format?: string;
  platform?: string;
}
