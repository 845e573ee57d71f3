import { allCommands, type CompletionModel, type OperandKind, type ValueKind } from './completion-model.js';

/** A kind as the scripts pass it around: `words:a b c`, `files`, `dirs`, `any`, `images`, `lists`, `commands`, or empty. */
export function kindWord(kind: OperandKind | ValueKind | undefined): string {
  if (kind === undefined || kind === 'none') return '';
  if (typeof kind === 'string') return kind;
  for (const w of kind.words) if (!/^[A-Za-z0-9._/:=+-]+$/.test(w)) throw new Error(`completion word "${w}" needs quoting`);
  return `words:${kind.words.join(' ')}`;
}

function caseFunction(name: string, comment: string, subject: string, arms: [pattern: string, value: string][]): string {
  const lines = arms.map(([p, v]) => `    ${p}) echo '${v}' ;;`);
  return `# ${comment}\n${name}() {\n  case ${subject} in\n${lines.join('\n')}\n  esac\n}\n`;
}

/**
 * The lookup functions both the bash and the zsh script use, as POSIX `case` tables generated from
 * the model: `_regctl_commands`, `_regctl_alias NAME`, `_regctl_subcommands PATH`, `_regctl_flags
 * PATH`, `_regctl_value PATH FLAG` (what a flag's value completes to; empty for a flag without one),
 * `_regctl_operands PATH`.
 */
export function posixTables(model: CompletionModel): string {
  const commands = allCommands(model);
  const top = model.commands.flatMap((c) => c.names);
  const aliases = model.commands.flatMap((c) => c.names.slice(1).map((a): [string, string] => [a, c.names[0] as string]));
  const groups = commands
    .filter((c) => c.subcommands.length > 0)
    .map((c): [string, string] => [`"${c.path}"`, c.subcommands.flatMap((s) => s.names).join(' ')]);
  const flags: [string, string][] = [
    ['""', model.globals.flatMap((f) => f.names).join(' ')],
    ...commands.map((c): [string, string] => [`"${c.path}"`, c.flags.flatMap((f) => f.names).join(' ')]),
  ];
  const values: [string, string][] = [];
  for (const c of commands) {
    for (const f of c.flags) {
      const global = model.globals.find((g) => g.names.some((n) => f.names.includes(n)));
      // A command's own flag is listed when it differs from the global flag of that name (inspect --config).
      if (global && kindWord(global.value) === kindWord(f.value)) continue;
      if (!f.value && !global) continue;
      for (const n of f.names) values.push([`"${c.path}|${n}"`, kindWord(f.value)]);
    }
  }
  for (const g of model.globals) if (g.value) for (const n of g.names) values.push([`*"|${n}"`, kindWord(g.value)]);
  const operands = commands.filter((c) => kindWord(c.operands)).map((c): [string, string] => [`"${c.path}"`, kindWord(c.operands)]);
  return [
    `# The commands regctl takes.\n_regctl_commands() {\n  echo '${top.join(' ')}'\n}\n`,
    caseFunction('_regctl_alias', 'The command an alias names.', '$1', [...aliases, ['*', '$1']]).replace("echo '$1'", 'echo "$1"'),
    caseFunction('_regctl_subcommands', "A command group's subcommands.", '$1', groups),
    caseFunction('_regctl_flags', 'The flags of a command ("" before any).', '$1', flags),
    caseFunction('_regctl_value', "What a flag's value completes to; nothing for a flag without a value.", '"$1|$2"', values),
    caseFunction('_regctl_operands', "What a command's operands complete to.", '$1', operands),
  ].join('\n');
}
