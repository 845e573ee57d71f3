import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { loadArchive } from '../archive/load-archive.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';

/** Options of `regctl load`. */
export interface LoadOptions {
  /** `-i FILE`; stdin when undefined or `-`. */
  input?: string;
  /** Print only the loaded references. */
  quiet?: boolean;
  /** Print the result as one JSON document ({@link LoadResult}). */
  json?: boolean;
}

/** What load stored (the `--json` document). */
export interface LoadResult {
  /** One per image of the archive: its full name (null when the archive names none), digest and media type. */
  images: { name: string | null; digest: string; mediaType: string }[];
}

async function openInput(options: LoadOptions, io: CommandIo): Promise<Readable> {
  if (options.input !== undefined && options.input !== '-') {
    try {
      // The FileHandle's own stream closes the handle: a raw fd stream would leave the handle to be
      // closed again by GC, possibly closing an fd number reused by another file (seen: the index lock).
      const fh = await open(options.input, 'r');
      return fh.createReadStream();
    } catch (err) {
      throw new RegctlError('usage', `cannot read ${options.input}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (io.stdinIsTTY) throw new RegctlError('usage', 'refusing to read an archive from a terminal; use -i FILE or redirect stdin');
  const stdin = io.stdin;
  return stdin instanceof Readable ? stdin : Readable.from(stdin as AsyncIterable<Buffer>);
}

/**
 * Reads a `docker save` tarball or an OCI archive (plain or gzip'd) into the cache with the names
 * it carries, printing `Loaded image: REF` per name (`Loaded image ID: DIGEST` for unnamed images).
 */
export async function load(session: Session, options: LoadOptions, io: CommandIo): Promise<LoadResult> {
  const input = await openInput(options, io);
  const cache = await session.cache();
  const loaded = await loadArchive(cache.store, input);
  const result: LoadResult = {
    images: loaded.map((i) => ({ name: i.name ?? null, digest: i.descriptor.digest, mediaType: i.descriptor.mediaType })),
  };
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
    return result;
  }
  for (const image of loaded) {
    if (image.name) io.out(options.quiet ? image.name : `Loaded image: ${image.name}`);
    else {
      io.out(options.quiet ? image.descriptor.digest : `Loaded image ID: ${image.descriptor.digest}`);
      io.err(`The archive does not name ${image.descriptor.digest}; give it a name with: regctl tag ${image.descriptor.digest} NAME`);
    }
  }
  return result;
}
