import type { Command } from 'commander';
import { bashCompletion } from './completion-bash.js';
import { fishCompletion } from './completion-fish.js';
import { completionModel } from './completion-model.js';
import { zshCompletion } from './completion-zsh.js';

/** The shells `regctl completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One of {@link COMPLETION_SHELLS}. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The completion script for `shell`, generated from the program's commands, flags and operands. */
export function completionScript(shell: CompletionShell, program: Command): string {
  const model = completionModel(program);
  if (shell === 'bash') return bashCompletion(model);
  if (shell === 'zsh') return zshCompletion(model);
  return fishCompletion(model);
}
