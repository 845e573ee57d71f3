import type { Command, Option } from 'commander';

/** Commands that talk to a registry (and so read the config, trust settings and --debug). */
const NETWORK = [
  'pull',
  'push',
  'copy',
  'tags',
  'digest',
  'inspect',
  'login',
  'delete',
  'catalog',
  'referrers',
  'attach',
  'sync',
  'manifest create',
  'manifest annotate',
  'manifest inspect',
  'manifest push',
];
/** Commands that read or write the cache. */
const CACHE = ['pull', 'push', 'tag', 'images', 'rmi', 'prune', 'inspect', 'save', 'load', 'referrers', 'manifest'];
/** Commands that download blobs into a layout (the cache, or copy's and sync's `oci:` destinations). */
const DOWNLOAD = ['pull', 'copy', 'sync'];
/** Commands that move blobs, under a progress display. */
const TRANSFER = ['pull', 'push', 'copy', 'sync', 'manifest create', 'manifest push'];

/**
 * Which commands each global option applies to (by command path, `manifest` covering its
 * subcommands); an option not listed applies to every command. A command's help lists only these,
 * so `regctl tag --help` does not offer --progress.
 */
const APPLIES: Readonly<Record<string, readonly string[]>> = {
  '--cache-dir': CACHE,
  '--config': [...NETWORK, 'logout'],
  '--insecure-registry': NETWORK,
  '--ca-cert': NETWORK,
  '--concurrency': TRANSFER,
  '--timeout': NETWORK,
  '--chunk-threshold': DOWNLOAD,
  '--chunk-connections': DOWNLOAD,
  '--progress': TRANSFER,
  '--debug': NETWORK,
  '--quiet': [...TRANSFER, 'images', 'delete', 'load', 'attach'],
  '--version': [],
};

/** `manifest create` for the create subcommand of manifest; `pull` for pull. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** True when the global option `option` has an effect on the command at `path`. */
export function globalApplies(option: Pick<Option, 'long'>, path: string): boolean {
  const list = option.long ? APPLIES[option.long] : undefined;
  if (!list) return true;
  return list.some((p) => path === p || path.startsWith(`${p} `));
}

/** The global options to list in `cmd`'s help: its ancestors' visible options that apply to it. */
export function applicableGlobalOptions(cmd: Command): Option[] {
  const path = commandPath(cmd);
  const options: Option[] = [];
  for (let ancestor = cmd.parent; ancestor; ancestor = ancestor.parent) {
    options.push(...ancestor.options.filter((o) => !(o as Option & { hidden?: boolean }).hidden && globalApplies(o, path)));
  }
  return options;
}
