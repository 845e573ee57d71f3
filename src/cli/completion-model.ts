import type { Argument, Command, Option } from 'commander';
import { regctlVersion } from '../config/version.js';
import { commandPath, globalApplies } from './help-globals.js';
import { INSPECT_CONFIG_OPTION } from './inspect-config-flag.js';

/** What a flag's value (or an operand) completes to. */
export type ValueKind = { words: string[] } | 'files' | 'dirs' | 'any';
/** What a command's operands complete to: cached image names, cached manifest lists, command names, or a value kind. */
export type OperandKind = ValueKind | 'images' | 'lists' | 'commands' | 'none';

/** One flag as the completion scripts know it. */
export interface FlagSpec {
  /** Every spelling: `-o`, `--output`. */
  names: string[];
  description: string;
  /** What its value completes to; undefined for a flag that takes none. */
  value?: ValueKind;
}

/** One command (or subcommand) as the completion scripts know it. */
export interface CommandSpec {
  /** `pull`, `manifest create`. */
  path: string;
  /** Its name and aliases. */
  names: string[];
  description: string;
  /** Its own flags, the global ones that apply to it, and --help. */
  flags: FlagSpec[];
  subcommands: CommandSpec[];
  operands: OperandKind;
}

/** The whole command line grammar the completion scripts are generated from. */
export interface CompletionModel {
  version: string;
  /** The flags valid before any command. */
  globals: FlagSpec[];
  commands: CommandSpec[];
}

/** `--platform` values offered: the platforms images are commonly built for. */
export const COMMON_PLATFORMS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm64/v8',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'windows/amd64',
];

/** Operands that name cached images (or lists), files, or commands, by command path. */
const OPERANDS: Readonly<Record<string, OperandKind>> = {
  tag: 'images',
  rmi: 'images',
  push: 'images',
  inspect: 'images',
  save: 'images',
  'manifest create': 'images',
  'manifest annotate': 'images',
  'manifest inspect': 'images',
  'manifest push': 'lists',
  'manifest rm': 'lists',
  attach: 'files',
  sync: 'files',
};

const HELP_FLAG: FlagSpec = { names: ['-h', '--help'], description: 'display help for command' };

function valueKind(option: Option): ValueKind | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices) return { words: [...option.argChoices] };
  if (option.long === '--platform') return { words: COMMON_PLATFORMS };
  if (/<dir>/.test(option.flags)) return 'dirs';
  if (/<file>/.test(option.flags)) return 'files';
  return 'any';
}

function flagSpec(option: Option): FlagSpec {
  // inspect's --config (the config blob) is parsed under another name; it is typed as --config.
  if (option.long === INSPECT_CONFIG_OPTION) return { names: ['--config'], description: 'the image config blob, pretty JSON' };
  const value = valueKind(option);
  return { names: [option.short, option.long].filter((n): n is string => !!n), description: option.description, ...(value ? { value } : {}) };
}

function isHidden(item: Command | Option): boolean {
  return Boolean((item as { _hidden?: boolean })._hidden ?? (item as { hidden?: boolean }).hidden);
}

function operandsOf(cmd: Command, path: string): OperandKind {
  const known = OPERANDS[path];
  if (known) return known;
  const choices = (cmd.registeredArguments as readonly Argument[]).find((a) => a.argChoices)?.argChoices;
  return choices ? { words: [...choices] } : 'none';
}

function commandSpec(cmd: Command, program: Command): CommandSpec {
  const path = commandPath(cmd);
  const own = cmd.options.filter((o) => !isHidden(o) || o.long === INSPECT_CONFIG_OPTION).map(flagSpec);
  const ownNames = new Set(own.flatMap((f) => f.names));
  const globals = program.options.filter((o) => !isHidden(o) && globalApplies(o, path) && !ownNames.has(o.long ?? '')).map(flagSpec);
  return {
    path,
    names: [cmd.name(), ...cmd.aliases()],
    description: cmd.description(),
    flags: [...own, ...globals, HELP_FLAG],
    subcommands: cmd.commands.filter((c) => !isHidden(c)).map((c) => commandSpec(c, program)),
    operands: operandsOf(cmd, path),
  };
}

/** Reads the completion grammar off the commander program: every visible command, its flags and operands. */
export function completionModel(program: Command): CompletionModel {
  const commands = program.commands.filter((c) => !isHidden(c)).map((c) => commandSpec(c, program));
  commands.push({ path: 'help', names: ['help'], description: 'display help for a command', flags: [HELP_FLAG], subcommands: [], operands: 'commands' });
  return { version: regctlVersion(), globals: [...program.options.filter((o) => !isHidden(o)).map(flagSpec), HELP_FLAG], commands };
}

/** Every command and subcommand, depth first. */
export function allCommands(model: CompletionModel): CommandSpec[] {
  const out: CommandSpec[] = [];
  const walk = (list: readonly CommandSpec[]): void => {
    for (const c of list) {
      out.push(c);
      walk(c.subcommands);
    }
  };
  walk(model.commands);
  return out;
}
