import type { Command } from 'commander';
import type { CommandRunner } from './program.js';

/** Registers the cache-only commands: tag, images, rmi, prune, inspect. */
export function registerLocalCommands(program: Command, run: CommandRunner): void {
  program
    .command('tag')
    .argument('<source>', 'a cached image: name, digest or image ID')
    .argument('<target>', 'the new name')
    .description('give a cached image a new name (the cache only, like docker tag)')
    .addHelpText('after', '\nExample:\n  regctl tag alpine:3.20 localhost:5000/tools/alpine:stable')
    .action((source: string, target: string, _o: unknown, cmd: Command) =>
      run(cmd, async (session, io) => {
        const { tag } = await import('../commands/tag.js');
        await tag(session, { source, target }, io);
      }),
    );

  program
    .command('images')
    .alias('ls')
    .argument('[repository]', 'only images of this repository')
    .option('--json', 'one JSON document on stdout')
    .option('--digests', 'show full manifest digests')
    .description('list cached images: repository, tag, image ID, created, size')
    .addHelpText('after', '\nExamples:\n  regctl images\n  regctl images alpine --digests\n  regctl images --json')
    .action((repository: string | undefined, opts: { json?: boolean; digests?: boolean }, cmd: Command) =>
      run(cmd, async (session, io, flags) => {
        const { images } = await import('../commands/images.js');
        await images(session, { ...(repository ? { repository } : {}), json: !!opts.json, digests: !!opts.digests, quiet: !!flags.quiet }, io);
      }),
    );

  program
    .command('rmi')
    .argument('<references...>', 'names, digests or image IDs to untag')
    .description('remove names from the cache (blobs stay until prune)')
    .addHelpText('after', '\nExample:\n  regctl rmi alpine:3.20 localhost:5000/tools/alpine:stable')
    .action((references: string[], _o: unknown, cmd: Command) =>
      run(cmd, async (session, io) => {
        const { rmi } = await import('../commands/rmi.js');
        await rmi(session, { references }, io);
      }),
    );

  program
    .command('prune')
    .option('--json', 'one JSON document on stdout')
    .description('delete cached blobs that no image references, and report the space freed')
    .addHelpText('after', '\nExample:\n  regctl rmi alpine && regctl prune')
    .action((opts: { json?: boolean }, cmd: Command) =>
      run(cmd, async (session, io) => {
        const { prune } = await import('../commands/prune.js');
        await prune(session, { json: !!opts.json }, io);
      }),
    );

  program
    .command('inspect')
    .argument('<reference>', 'a cached image (or a remote one with --remote)')
    .option('--remote', 'ask the registry instead of the cache (writes nothing to the cache)')
    .option('--json', 'one JSON document on stdout')
    .description('show manifest, config, platform and size of an image')
    .addHelpText('after', '\nExamples:\n  regctl inspect alpine\n  regctl inspect --remote --json ghcr.io/org/app:1.2')
    .action((reference: string, opts: { remote?: boolean; json?: boolean }, cmd: Command) =>
      run(cmd, async (session, io) => {
        if (opts.remote) {
          const { inspectRemote } = await import('../commands/inspect-remote.js');
          await inspectRemote(session, { reference, json: !!opts.json }, io);
          return;
        }
        const { inspect } = await import('../commands/inspect.js');
        await inspect(session, { reference, json: !!opts.json }, io);
      }),
    );
}
