import type { Command } from 'commander';

/** The hidden option name `inspect --config` is parsed as. */
export const INSPECT_CONFIG_OPTION = '--config-blob';

/**
 * `inspect --config` (SPEC §7: the image config blob) shares its name with the global `--config DIR`,
 * which commander would take anywhere on the line. After the word `inspect`, a bare `--config` is
 * therefore the inspect flag; the config directory is then given before the command
 * (`regctl --config DIR inspect …`) or as `--config=DIR`.
 */
export function routeInspectConfigFlag(program: Command): void {
  const valued = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)));
  const parse = program.parseOptions.bind(program);
  program.parseOptions = (args: string[]) => parse(rewrite(args, valued));
}

function rewrite(args: readonly string[], valued: ReadonlySet<string>): string[] {
  let i = 0;
  while (i < args.length && (args[i] as string).startsWith('-') && args[i] !== '--') i += valued.has(args[i] as string) ? 2 : 1;
  if (args[i] !== 'inspect') return [...args];
  const end = args.indexOf('--', i);
  return args.map((a, j) => (j > i && (end < 0 || j < end) && a === '--config' ? INSPECT_CONFIG_OPTION : a));
}
