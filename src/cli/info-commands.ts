import { Argument, type Command } from 'commander';
import type { CompleteNamesOptions } from '../commands/complete-names.js';
import type { VersionOptions } from '../commands/version.js';
import { COMPLETION_SHELLS, type CompletionShell } from './completion.js';
import type { CommandRunner } from './runner.js';

const COMPLETION_HELP = `
The script completes commands, subcommands, flags, flag values (--platform, --progress, --store, files
and directories) and cached image names (tag, rmi, push, inspect, save, manifest).

Install:
  bash  regctl completion bash > ~/.local/share/bash-completion/completions/regctl
        (or add to ~/.bashrc: source <(regctl completion bash))
  zsh   regctl completion zsh > "\${fpath[1]}/_regctl"
        (or add to ~/.zshrc, after compinit: source <(regctl completion zsh))
  fish  regctl completion fish > ~/.config/fish/completions/regctl.fish`;

/** Registers `version`, `completion` and the hidden `__complete` the completion scripts call. */
export function registerInfoCommands(program: Command, run: CommandRunner): void {
  program
    .command('version')
    .option('--json', 'one JSON document on stdout (version, node, platform)')
    .description('print the version of regctl (also regctl -v), of Node.js, and the default platform')
    .action((opts: { json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: VersionOptions = { json: !!opts.json };
        return { name: 'version', options, run: async (_session, io) => (await import('../commands/version.js')).version(options, io) };
      }),
    );

  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(COMPLETION_SHELLS))
    .description('print a shell completion script for bash, zsh or fish')
    .addHelpText('after', COMPLETION_HELP)
    .action((shell: CompletionShell, _opts: unknown, cmd: Command) =>
      run(cmd, () => ({
        name: 'completion',
        options: { shell },
        run: async (_session, io) => {
          const { completionScript } = await import('./completion.js');
          io.stdoutStream.write(completionScript(shell, program));
        },
      })),
    );

  program
    .command('__complete', { hidden: true })
    .argument('<kind>', 'images or lists')
    .argument('[words...]', 'the command line being completed, after --')
    .allowUnknownOption()
    .action((kind: string, words: string[], _opts: unknown, cmd: Command) =>
      run(cmd, () => {
        const options: CompleteNamesOptions = { kind: kind === 'lists' ? 'lists' : 'images', words };
        return {
          name: 'completeNames',
          options,
          run: async (session, io) => (await import('../commands/complete-names.js')).completeNames(session, options, io),
        };
      }),
    );
}
