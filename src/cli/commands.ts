import type { Command } from 'commander';
import type { CommandRunner } from './runner.js';
import { registerLocalCommands } from './local-commands.js';
import { registerArchiveCommands } from './archive-commands.js';
import { registerRemoteCommands } from './remote-commands.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerRegistryCommands } from './registry-commands.js';
import { registerSupplyChainCommands } from './supply-chain-commands.js';
import { registerSyncCommand } from './sync-command.js';
import { registerManifestCommands } from './manifest-commands.js';
import { registerInfoCommands } from './info-commands.js';

/** Adds every regctl command to the program. */
export function registerCommands(program: Command, run: CommandRunner): void {
  registerRemoteCommands(program, run);
  registerLocalCommands(program, run);
  registerArchiveCommands(program, run);
  registerAuthCommands(program, run);
  registerRegistryCommands(program, run);
  registerSupplyChainCommands(program, run);
  registerSyncCommand(program, run);
  registerManifestCommands(program, run);
  registerInfoCommands(program, run);
}
