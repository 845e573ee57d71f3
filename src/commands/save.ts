import { RegctlError } from '../errors.js';
import { planSave, type SaveRequest } from '../archive/save-plan.js';
import { writeArchive, writeArchiveFile } from '../archive/write-archive.js';
import type { Platform } from '../oci/descriptor.js';
import { parsePlatform } from '../oci/platform.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';

/** Options of `regctl save`. */
export interface SaveOptions {
  /** Cached images: names, digests or image IDs. */
  references: string[];
  /** `-o FILE`; `-` or undefined means stdout. */
  output?: string;
  /** `--platform` values, each `os/arch[/variant]` or a comma-separated list of them. */
  platforms?: string[];
}

/** Where an archive goes. */
export type ArchiveDestination = { kind: 'stdout' } | { kind: 'file'; path: string };

/**
 * Decides where `save` writes: a file for `-o FILE`, stdout for `-o -` or no `-o`, but never a
 * terminal (a usage error, as `docker save` refuses too).
 */
export function archiveDestination(output: string | undefined, stdoutIsTTY: boolean): ArchiveDestination {
  if (output !== undefined && output !== '-') {
    if (output === '') throw new RegctlError('usage', 'the output file name is empty');
    return { kind: 'file', path: output };
  }
  if (stdoutIsTTY) throw new RegctlError('usage', 'refusing to write an archive to a terminal; use -o FILE or redirect stdout');
  return { kind: 'stdout' };
}

function platformList(values: string[] | undefined): Platform[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .filter((v) => v.trim() !== '')
    .map(parsePlatform);
}

/**
 * Writes cached images as one tarball `docker load` accepts: manifest.json, repositories and an
 * OCI layout inside (the layout `docker save` writes since Docker 25), each blob once, streamed.
 */
export async function save(session: Session, options: SaveOptions, io: CommandIo): Promise<void> {
  if (options.references.length === 0) throw new RegctlError('usage', 'save needs at least one image');
  const destination = archiveDestination(options.output, io.stdoutIsTTY);
  const platforms = platformList(options.platforms);
  const cache = await session.cache();
  const requests: SaveRequest[] = [];
  for (const input of options.references) {
    const found = await cache.find(input);
    requests.push({ ...(found.name ? { name: found.name } : {}), descriptor: found.descriptor });
  }
  const plan = await planSave(cache.store, requests, platforms);
  if (destination.kind === 'file') await writeArchiveFile(cache.store, plan, destination.path);
  else await writeArchive(cache.store, plan, io.stdoutStream as NodeJS.WritableStream & import('node:stream').Writable, { end: false, label: 'stdout' });
}
