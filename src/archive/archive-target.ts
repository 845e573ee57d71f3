import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { errnoCode, RegctlError } from '../errors.js';

/**
 * Where `save -o PATH` puts the archive: a regular file (or a new path) is replaced whole through a
 * temp file and a rename; a FIFO or character device is written into, since renaming over it would
 * replace the node itself (as root, `-o /dev/null` would replace the system's /dev/null) and a
 * FIFO's reader would get nothing.
 */
export type ArchiveTarget = { kind: 'replace'; path: string } | { kind: 'stream'; handle: FileHandle };

async function statOrUndefined(path: string, how: typeof stat): Promise<Stats | undefined> {
  try {
    return await how(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return undefined;
    throw new RegctlError('usage', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The path a symlink chain ends at, whether or not that file exists yet. */
async function linkEnd(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    // A dangling link: follow it by hand, one level at a time (bounded), to the path it names.
    let current = resolve(path);
    for (let i = 0; i < 16; i++) {
      const s = await lstat(current).catch(() => undefined);
      if (!s?.isSymbolicLink()) return current;
      current = resolve(dirname(current), await readlink(current));
    }
    throw new RegctlError('usage', `cannot write ${path}: too many levels of symbolic links`);
  }
}

/**
 * Decides how to write an archive to `path` (see {@link ArchiveTarget}); a directory, socket or
 * block device, or a terminal, is a usage error (exit 2) and nothing is written.
 */
export async function openArchiveTarget(path: string): Promise<ArchiveTarget> {
  const s = await statOrUndefined(path, stat);
  if (!s || s.isFile()) return { kind: 'replace', path: await linkEnd(path) };
  if (s.isDirectory()) throw new RegctlError('usage', `cannot write the archive to ${path}: it is a directory`);
  if (!s.isFIFO() && !s.isCharacterDevice()) {
    const what = s.isSocket() ? 'a socket' : s.isBlockDevice() ? 'a block device' : 'not a regular file';
    throw new RegctlError('usage', `cannot write the archive to ${path}: it is ${what}; save writes to a file, a FIFO or a character device`);
  }
  let handle: FileHandle;
  try {
    // No O_CREAT/O_TRUNC: the node exists and is written as it is. Opening a FIFO waits for its reader.
    handle = await open(path, constants.O_WRONLY);
  } catch (err) {
    throw new RegctlError('usage', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (isatty(handle.fd)) {
    await handle.close();
    throw new RegctlError('usage', `refusing to write an archive to the terminal ${path}; use -o FILE or a pipe`);
  }
  return { kind: 'stream', handle };
}
