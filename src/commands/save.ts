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
  /** With `-o FILE`: print one JSON document ({@link SaveResult}) on stdout, which the archive does not use then. */
  json?: boolean;
}

/** What save wrote (the `--json` document). */
export interface SaveResult {
  /** The archive file, as given to -o. */
  file: string;
  /** The images in it: full name (null when saved by digest or ID) and digest. */
  images: { name: string | null; digest: string }[];
  /** Blobs in the archive, and their total size in bytes. */
  blobs: number;
  bytes: number;
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
export async function save(session: Session, options: SaveOptions, io: CommandIo): Promise<SaveResult | undefined> {
  if (options.references.length === 0) throw new RegctlError('usage', 'save needs at least one image');
  if (options.json && (options.output === undefined || options.output === '-')) {
    throw new RegctlError('usage', '--json needs -o FILE: without it stdout carries the archive');
  }
  const destination = archiveDestination(options.output, io.stdoutIsTTY);
  const platforms = platformList(options.platforms);
  const cache = await session.cache();
  const requests: SaveRequest[] = [];
  for (const input of options.references) {
    const found = await cache.find(input);
    requests.push({ ...(found.name ? { name: found.name } : {}), descriptor: found.descriptor });
  }
  const plan = await planSave(cache.store, requests, platforms);
  if (destination.kind === 'stdout') {
    await writeArchive(cache.store, plan, io.stdoutStream as NodeJS.WritableStream & import('node:stream').Writable, { end: false, label: 'stdout' });
    return undefined;
  }
  await writeArchiveFile(cache.store, plan, destination.path);
  const result: SaveResult = {
    file: destination.path,
    images: requests.map((r) => ({ name: r.name ?? null, digest: r.descriptor.digest })),
    blobs: plan.blobs.length,
    bytes: plan.blobs.reduce((n, b) => n + b.size, 0),
  };
  if (options.json) io.out(JSON.stringify(result, null, 2));
  return result;
}
