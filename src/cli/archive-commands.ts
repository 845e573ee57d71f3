import type { Command } from 'commander';
import { platformList } from './option-parsers.js';
import type { LoadOptions } from '../commands/load.js';
import type { SaveOptions } from '../commands/save.js';
import type { CommandRunner } from './runner.js';

/** Registers the archive commands: save and load. */
export function registerArchiveCommands(program: Command, run: CommandRunner): void {
  program
    .command('save')
    .argument('<references...>', 'cached images: names, digests or image IDs')
    .option('-o, --output <file>', 'write to FILE instead of stdout ("-" is stdout)')
    .option(
      '--platform <platforms>',
      'for a multi-platform image, save only os/arch[/variant] (comma-separated or repeated; default: the host platform in manifest.json, all cached platforms in the OCI layout)',
      platformList,
    )
    .option('--json', 'with -o FILE: one JSON document on stdout (file, images, blobs, bytes)')
    .description('write cached images to a tarball that docker load accepts (docker-archive with an OCI layout inside)')
    .addHelpText(
      'after',
      '\nExamples:\n  regctl save alpine:3.20 -o alpine.tar\n  regctl save app:1 worker:1 | gzip > images.tar.gz\n  regctl save node:22 | docker load',
    )
    .action((references: string[], opts: { output?: string; platform?: string[]; json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: SaveOptions = {
          references,
          ...(opts.output !== undefined ? { output: opts.output } : {}),
          ...(opts.platform ? { platforms: opts.platform } : {}),
          ...(opts.json ? { json: true } : {}),
        };
        return { name: 'save', options, run: async (session, io) => (await import('../commands/save.js')).save(session, options, io) };
      }),
    );

  program
    .command('load')
    .option('-i, --input <file>', 'read from FILE instead of stdin')
    .option('--json', 'one JSON document on stdout (name, digest and media type of each image)')
    .description('read a docker save tarball or an OCI archive (plain or gzip) into the cache, names included')
    .addHelpText(
      'after',
      '\nExamples:\n  regctl load -i alpine.tar\n  docker save alpine:3.20 | regctl load\n  docker buildx build -o type=oci,dest=- . | regctl load',
    )
    .action((opts: { input?: string; json?: boolean }, cmd: Command) =>
      run(cmd, (flags) => {
        const options: LoadOptions = { ...(opts.input !== undefined ? { input: opts.input } : {}), quiet: !!flags.quiet, ...(opts.json ? { json: true } : {}) };
        return { name: 'load', options, run: async (session, io) => (await import('../commands/load.js')).load(session, options, io) };
      }),
    );
}
