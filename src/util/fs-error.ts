import { RegctlError } from '../errors.js';

/** Wraps a filesystem error as a one-line RegctlError (exit 1) naming the path: "cannot write PATH: ENOSPC: …". */
export function fsError(verb: string, path: string, err: unknown): RegctlError {
  const detail = err instanceof Error ? err.message : String(err);
  return new RegctlError('failed', `${verb} ${path}: ${detail}`, { cause: err });
}
