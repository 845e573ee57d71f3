import type { Command } from 'commander';
import type { CommandRunner } from './program.js';
import { registerLocalCommands } from './local-commands.js';

/** Adds every regctl command to the program. */
export function registerCommands(program: Command, run: CommandRunner): void {
  registerLocalCommands(program, run);
}
