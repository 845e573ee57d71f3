import type { Command } from 'commander';
import { RegctlError } from '../errors.js';
import { isRegclientSubcommand, regclientHint } from './regclient-hints.js';

/** commander reports an unknown command with suggestions ("Did you mean tags?") through this method. */
type WithUnknownCommand = Command & { unknownCommand(): never };

/**
 * What regctl does with words that name no command. Bare `regctl` prints its help on stdout and
 * exits 0, as docker does; a regclient command (`regctl tag ls REPO`) gets a one-line hint naming
 * our equivalent (exit 2); anything else is commander's "unknown command" error. Registered commands
 * are dispatched first, so a real command (a future `manifest` group too) always wins; words under a
 * command group that name none of its subcommands get the same treatment.
 */
export function installFallbacks(program: Command): void {
  program
    .command('regctl-fallback', { isDefault: true, hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((words: string[], _opts: unknown, cmd: Command) => {
      const option = [...words, ...cmd.args].find((a) => a.startsWith('-'));
      if (words.length === 0 || words[0] === option) {
        if (option) program.error(`error: unknown option '${option}'`, { code: 'commander.unknownOption' });
        program.outputHelp();
        return;
      }
      unknownWords(program, words);
    });
  for (const group of program.commands.filter((c) => c.commands.length > 0)) {
    // Inside a real group only regclient's own subcommand words get a hint (`manifest get`).
    group.on('command:*', (operands: string[]) => unknownWords(group, [group.name(), ...operands], isRegclientSubcommand(group.name(), operands[0] ?? '')));
  }
}

function unknownWords(cmd: Command, words: string[], hinted = true): never {
  const hint = hinted ? regclientHint(words) : undefined;
  if (hint) throw new RegctlError('usage', hint);
  return (cmd as WithUnknownCommand).unknownCommand();
}
