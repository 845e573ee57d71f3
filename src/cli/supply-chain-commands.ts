import type { Command } from 'commander';
import { collect } from './option-parsers.js';
import type { AttachOptions } from '../commands/attach.js';
import type { ReferrersOptions } from '../commands/referrers.js';
import type { CommandRunner } from './runner.js';

/** Registers the supply-chain commands: referrers and attach. */
export function registerSupplyChainCommands(program: Command, run: CommandRunner): void {
  program
    .command('referrers')
    .argument('<reference>', 'an image in a registry, oci:DIR:REF, or with --local a cached image')
    .option('--artifact-type <type>', 'only referrers of this artifact type')
    .option('--local', 'look in the cache (what pull --referrers stored) instead of the registry')
    .option('--json', 'one JSON document on stdout')
    .description('list what refers to an image: signatures, SBOMs, attestations (referrers API, else the sha256-<hex> fallback tag)')
    .addHelpText(
      'after',
      `
Asks the registry's OCI 1.1 referrers API; a registry without it (404, as distribution 2.8) is read
through the fallback tag sha256-<hex> the pushing tools maintain. SIZE is the referrer manifest's size.

Examples:
  regctl referrers localhost:5000/team/app:v1
  regctl referrers --artifact-type application/spdx+json ghcr.io/org/app:1.2
  regctl referrers --json oci:./layout:v1
  regctl referrers --local localhost:5000/team/app:v1`,
    )
    .action((reference: string, opts: { artifactType?: string; local?: boolean; json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: ReferrersOptions = {
          reference,
          ...(opts.artifactType !== undefined ? { artifactType: opts.artifactType } : {}),
          local: !!opts.local,
          json: !!opts.json,
        };
        return { name: 'referrers', options, run: async (session, io) => (await import('../commands/referrers.js')).referrers(session, options, io) };
      }),
    );

  program
    .command('attach')
    .argument('<reference>', 'the image the artifact is about: a registry reference or oci:DIR:REF')
    .argument('[files...]', 'files to attach, one layer each (none: an annotations-only artifact)')
    .requiredOption('--artifact-type <type>', 'the artifact type, e.g. application/spdx+json or application/vnd.example.report')
    .option('--annotation <key=value>', 'an annotation on the artifact manifest (repeatable)', collect)
    .option('--media-type <type>', "every file's media type (default: by file name ending, else application/octet-stream)")
    .option('--json', 'one JSON document on stdout')
    .description('push an artifact (an SBOM, a signature, a report) whose subject is an image, as oras attach does; prints its digest')
    .addHelpText(
      'after',
      `
The artifact is an OCI image manifest with artifactType, the empty config ({}), one layer per file
(titled with the file's name) and subject = the image's manifest. A registry with the referrers API
indexes it; on others (distribution 2.8) the sha256-<hex> fallback index is updated.

Examples:
  regctl attach --artifact-type application/spdx+json localhost:5000/team/app:v1 sbom.spdx.json
  regctl attach --artifact-type application/vnd.example.scan --annotation org.example.tool=trivy app:v1 report.sarif
  regctl attach --artifact-type application/vnd.example.note oci:./layout:v1 notes.txt`,
    )
    .action((reference: string, files: string[], opts: { artifactType: string; annotation?: string[]; mediaType?: string; json?: boolean }, cmd: Command) =>
      run(cmd, (flags) => {
        const options: AttachOptions = {
          reference,
          files,
          artifactType: opts.artifactType,
          annotations: opts.annotation ?? [],
          ...(opts.mediaType !== undefined ? { mediaType: opts.mediaType } : {}),
          json: !!opts.json,
          quiet: !!flags.quiet,
        };
        return { name: 'attach', options, run: async (session, io) => (await import('../commands/attach.js')).attach(session, options, io) };
      }),
    );
}
