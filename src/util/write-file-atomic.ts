import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { errnoCode, RegctlError, type ErrorKind } from '../errors.js';
import { fsErrorMessage } from './fs-error.js';
import { removeDeadSiblings } from './dead-siblings.js';

/** What to write: text, bytes, or a function that streams into the file (and may end it). */
export type AtomicContent = string | Uint8Array | ((out: Writable) => Promise<void>);

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** The temp file's path, on the destination's filesystem; default a hidden name beside the destination. */
  temp?: string;
  /** Permission bits of the new file (before umask); default 0o666, as fs.writeFile. */
  mode?: number;
  /** Keep an existing destination and resolve false instead of replacing it; default false. */
  exclusive?: boolean;
  /** What the destination is, as the error names it ("credentials file"); default none. */
  label?: string;
  /** Kind of the error when writing fails; default `failed`. */
  kind?: ErrorKind;
  /** Kind of the error when the temp file cannot even be created (a bad destination directory); default `kind`. */
  createKind?: ErrorKind;
  /**
   * First remove temp files of `dest` left by writers that died (kill -9 during a long write, such as
   * `save -o`), so no run leaves another's partial file behind for good; default false.
   */
  sweepStale?: boolean;
}

/**
 * Writes `dest` so that readers see the old file or the whole new one, never a part: the content
 * goes to a temp file that is fsynced, then renamed over `dest` (or linked, when `exclusive`), and
 * the directory is fsynced. Resolves true when `dest` was written. A failure removes the temp file
 * and is a one-line RegctlError naming `dest`; a RegctlError thrown by a content function passes as it is.
 */
export async function writeFileAtomic(dest: string, content: AtomicContent, options: WriteFileAtomicOptions = {}): Promise<boolean> {
  const tmp = options.temp ?? join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  if (options.sweepStale && !options.temp) await removeDeadSiblings(dest, '.tmp');
  const what = options.label ? `${options.label} ${dest}` : dest;
  const kind = options.kind ?? 'failed';
  let fh;
  try {
    fh = await open(tmp, 'wx', options.mode ?? 0o666);
  } catch (err) {
    throw new RegctlError(options.createKind ?? kind, fsErrorMessage('cannot write', what, err), { cause: err });
  }
  try {
    if (typeof content === 'function') {
      await fh.close();
      await streamInto(tmp, content);
      // A FileHandle-backed stream keeps its handle busy, so the fsync uses a handle of its own.
      fh = await open(tmp, 'r+');
    } else {
      await fh.writeFile(content);
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    if (options.exclusive) {
      // link fails when dest exists, so a concurrent creator's file is never replaced.
      try {
        await link(tmp, dest);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') return false;
        throw err;
      }
    } else {
      await rename(tmp, dest);
    }
    await syncDir(dirname(dest));
    return true;
  } catch (err) {
    if (err instanceof RegctlError) throw err;
    throw new RegctlError(kind, fsErrorMessage('cannot write', what, err), { cause: err });
  } finally {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
  }
}

async function streamInto(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const stream = createWriteStream(path, { flags: 'r+' });
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  try {
    await write(stream);
  } finally {
    stream.destroy();
    await closed;
  }
}

/** fsyncs the file or directory at `path` (opened read-only for a directory, read-write for a file). */
export async function fsyncPath(path: string, flags: 'r' | 'r+' = 'r+'): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  // Directories cannot be fsynced on every platform (Windows); the rename is still atomic.
  await fsyncPath(dir, 'r').catch(() => undefined);
}
