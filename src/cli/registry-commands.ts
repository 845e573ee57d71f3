import type { Command } from 'commander';
import type { CatalogOptions } from '../commands/catalog.js';
import type { DeleteOptions } from '../commands/delete.js';
import { FORMAT_FIELDS } from './format-help.js';
import { intInRange } from './option-parsers.js';
import type { CommandRunner } from './runner.js';

/** Registers the commands that manage a registry itself: delete, catalog. */
export function registerRegistryCommands(program: Command, run: CommandRunner): void {
  program
    .command('delete')
    .argument('<reference>', 'REPO:TAG (that tag only) or REPO@sha256:… (the manifest and every tag on it)')
    .option('--json', 'one JSON document on stdout')
    .description('delete a tag or a manifest in its registry')
    .addHelpText(
      'after',
      `
A tag is removed alone: other tags of the same manifest keep working (OCI 1.1 tag deletion where the
registry has it, else the tag is pointed at a throw-away manifest that is then deleted by digest).
A digest deletes the manifest, and with it every tag that names it. No tag means no default: :latest
must be written. Missing: exit 3. A registry with deletion disabled: exit 1. -q prints nothing.

Examples:
  regctl delete localhost:5000/team/app:v1-rc1
  regctl delete localhost:5000/team/app@sha256:…
  regctl delete --json registry.example.com/team/app:old`,
    )
    .action((reference: string, opts: { json?: boolean }, cmd: Command) =>
      run(cmd, (flags) => {
        const options: DeleteOptions = { reference, json: !!opts.json, quiet: !!flags.quiet };
        return { name: 'deleteRemote', options, run: async (session, io) => (await import('../commands/delete.js')).deleteRemote(session, options, io) };
      }),
    );

  program
    .command('catalog')
    .argument('<registry>', 'a registry host, e.g. localhost:5000 or registry.example.com')
    .option('--json', 'one JSON document on stdout')
    .option('-n, --page-size <n>', 'repositories asked for per request (default: the registry decides); every page is read', intInRange(1, 100_000))
    .option('--format <template>', `Go template per repository, "table …" or "json" (${FORMAT_FIELDS.catalog})`)
    .description("list a registry's repositories (/v2/_catalog, following Link pagination)")
    .addHelpText(
      'after',
      "\nExamples:\n  regctl catalog localhost:5000\n  regctl catalog --json -n 100 registry.example.com\n  regctl catalog --format '{{.Name}}' localhost:5000",
    )
    .action((registry: string, opts: { json?: boolean; pageSize?: number; format?: string }, cmd: Command) =>
      run(cmd, () => {
        const options: CatalogOptions = {
          registry,
          json: !!opts.json,
          ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
          ...(opts.format !== undefined ? { format: opts.format } : {}),
        };
        return { name: 'catalog', options, run: async (session, io) => (await import('../commands/catalog.js')).catalog(session, options, io) };
      }),
    );
}
