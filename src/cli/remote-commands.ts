import type { Command } from 'commander';
import type { CommandIo } from '../commands/io.js';
import type { CommandRunner, GlobalFlags } from './program.js';
import { createProgress, type ProgressVerb } from './progress.js';

/** Runs `body` with a progress display wired into io, stopping it before results are printed. */
export async function withProgress<T>(verb: ProgressVerb, io: CommandIo, flags: GlobalFlags, body: (io: CommandIo) => Promise<T>): Promise<T> {
  const display = createProgress(flags.progress ?? 'auto', verb, !!flags.quiet);
  const lines: string[] = [];
  // Results wait until the live display is gone, so they never interleave with it.
  const wrapped: CommandIo = { ...io, out: (l) => lines.push(l), ...(display.listener ? { progress: display.listener } : {}) };
  try {
    return await body(wrapped);
  } finally {
    display.stop();
    for (const l of lines) io.out(l);
  }
}

/** Registers the registry commands: pull. */
export function registerRemoteCommands(program: Command, run: CommandRunner): void {
  program
    .command('pull')
    .argument('<reference>', 'image to fetch, e.g. alpine, ghcr.io/org/app:1.2, app@sha256:…')
    .option('--platform <os/arch[/variant]>', 'platform to pull from a multi-platform image (default: this host)')
    .option('--all-platforms', 'store the whole index and every platform')
    .description('fetch an image from its registry into the cache')
    .addHelpText('after', '\nExamples:\n  regctl pull alpine\n  regctl pull --platform linux/arm64 ghcr.io/org/app:1.2\n  regctl pull -q localhost:5000/team/app@sha256:…')
    .action((reference: string, opts: { platform?: string; allPlatforms?: boolean }, cmd: Command) =>
      run(cmd, async (session, io, flags) => {
        const { pull } = await import('../commands/pull.js');
        await withProgress('pull', io, flags, (pio) =>
          pull(session, { reference, ...(opts.platform ? { platform: opts.platform } : {}), allPlatforms: !!opts.allPlatforms, quiet: !!flags.quiet }, pio),
        );
      }),
    );
}
