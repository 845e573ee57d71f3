/**
 * regclient ships a Go tool also called `regctl`, whose commands are groups (`regctl tag ls REPO`,
 * `regctl image copy A B`, …; cmd/regctl in github.com/regclient/regclient). Someone used to it who
 * runs this regctl gets a one-line answer naming our equivalent instead of a puzzling error.
 * The table is consulted only for words that are not regctl commands, so a real command always wins.
 */

/** What regctl offers for one regclient subcommand, given the operands after it: a command line, or a note. */
type Equivalent = (args: string[]) => { command: string } | { note: string };

interface Group {
  /** Other names regclient accepts for the group. */
  aliases?: string[];
  /** Subcommand names (regclient's name and its aliases, separated by `|`) → equivalent. */
  subs: Record<string, Equivalent>;
}

const arg = (args: string[], i: number, placeholder: string): string => args[i] ?? placeholder;
const use =
  (build: (args: string[]) => string): Equivalent =>
  (args) => ({ command: build(args) });
const note =
  (text: string): Equivalent =>
  () => ({ note: text });
const CONFIG_NOTE = note('is config.json in the regctl config directory here (~/.config/regctl, see the README: Configuration)');

const GROUPS: Record<string, Group> = {
  tag: {
    subs: {
      'ls|list': use((a) => `regctl tags ${arg(a, 0, 'REPO')}`),
      'delete|del|rm|remove': use((a) => `regctl delete ${arg(a, 0, 'REPO:TAG')} (regctl rmi untags the local cache)`),
    },
  },
  image: {
    subs: {
      'copy|cp': use((a) => `regctl copy ${arg(a, 0, 'SRC')} ${arg(a, 1, 'DST')}`),
      digest: use((a) => `regctl digest ${arg(a, 0, 'REF')}`),
      'inspect|config|manifest': use((a) => `regctl inspect --remote ${arg(a, 0, 'REF')}`),
      export: use((a) => `regctl pull ${arg(a, 0, 'REF')} && regctl save ${arg(a, 0, 'REF')} -o ${arg(a, 1, 'FILE')}`),
      import: use((a) => `regctl load -i ${arg(a, 1, 'FILE')} && regctl push ${arg(a, 0, 'REF')}`),
    },
  },
  manifest: {
    subs: {
      // regclient's `manifest get` prints the manifest itself: its exact bytes here.
      'get|pull': use((a) => `regctl inspect --remote --raw ${arg(a, 0, 'REF')}`),
      'head|digest': use((a) => `regctl digest ${arg(a, 0, 'REF')}`),
      'delete|del|rm|remove': use((a) => `regctl delete ${arg(a, 0, 'REPO@DIGEST')}`),
    },
  },
  repo: {
    subs: {
      'ls|list': use((a) => `regctl catalog ${arg(a, 0, 'REGISTRY')}`),
      'copy|cp': use(
        (a) => `regctl copy ${arg(a, 0, 'SRC-REPO')}:TAG ${arg(a, 1, 'DST-REPO')}:TAG for each tag (regctl tags ${arg(a, 0, 'SRC-REPO')} lists them)`,
      ),
    },
  },
  registry: {
    subs: {
      login: use((a) => `regctl login ${arg(a, 0, 'REGISTRY')}`),
      logout: use((a) => `regctl logout ${arg(a, 0, 'REGISTRY')}`),
      'config|set': CONFIG_NOTE,
    },
  },
  config: { subs: { 'get|set': CONFIG_NOTE } },
  artifact: {
    subs: {
      'list|ls|tree': use((a) => `regctl referrers ${arg(a, 0, 'REF')}`),
      put: use(() => 'regctl attach --artifact-type TYPE REF FILE...'),
    },
  },
  blob: { aliases: ['layer'], subs: {} },
  index: { subs: {} },
};

const PREFIX = "this is the TypeScript regctl (docker-style commands), not regclient's";

/**
 * The one-line hint for `words` (the command line's operands, from the command word on) when they
 * start with one of regclient's command groups; undefined otherwise.
 */
export function regclientHint(words: string[]): string | undefined {
  const [first = '', second = '', ...rest] = words.filter((w) => !w.startsWith('-'));
  const group = Object.entries(GROUPS).find(([name, g]) => name === first || g.aliases?.includes(first))?.[1];
  if (!group) return undefined;
  const sub = Object.entries(group.subs).find(([names]) => names.split('|').includes(second));
  const typed = second ? `regctl ${first} ${second}` : `regctl ${first}`;
  if (!sub) return `${PREFIX}: "${typed}" has no equivalent here; regctl --help lists the commands`;
  const answer = sub[1](rest);
  return 'command' in answer ? `${PREFIX}: for "${typed}" use: ${answer.command}` : `${PREFIX}: "${typed}" ${answer.note}`;
}

/** regclient's subcommand words that a regctl command of the same name (e.g. `tag`) would take as an operand. */
export function isRegclientSubcommand(group: string, word: string): boolean {
  return Object.keys(GROUPS[group]?.subs ?? {}).some((names) => names.split('|').includes(word));
}
