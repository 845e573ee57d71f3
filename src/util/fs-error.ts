import { errnoCode, RegctlError } from '../errors.js';

/**
 * Wraps a filesystem error as a one-line RegctlError (exit 1) naming the path. The failures a user
 * can fix get words of their own — "no space left on device writing PATH", "cannot write PATH:
 * read-only file system", "… permission denied" — and anything else keeps Node's message:
 * "cannot write PATH: EIO: …".
 */
export function fsError(verb: string, path: string, err: unknown): RegctlError {
  return new RegctlError('failed', fsErrorMessage(verb, path, err), { cause: err });
}

/** The message of {@link fsError}: `verb path: reason`, or the device's own words for a full disk. */
export function fsErrorMessage(verb: string, path: string, err: unknown): string {
  switch (errnoCode(err)) {
    case 'ENOSPC':
      return `no space left on device writing ${path}`;
    case 'EDQUOT':
      return `disk quota exceeded writing ${path}`;
    case 'EROFS':
      return `${verb} ${path}: read-only file system`;
    case 'EACCES':
    case 'EPERM':
      return `${verb} ${path}: permission denied`;
    default:
      return `${verb} ${path}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
