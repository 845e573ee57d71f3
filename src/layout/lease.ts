import { readdir, stat, unlink, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_DIR, tempPath } from './blobs.js';
import { processIsDead } from './lock.js';
import { fsError } from '../util/fs-error.js';

const SUFFIX = 'lease';

/**
 * Marks a transfer in flight: while a live process holds a lease, prune keeps unreferenced blobs
 * written since the lease began (they are about to be tagged). Returns the release function.
 */
export async function acquireLease(root: string): Promise<() => Promise<void>> {
  const path = tempPath(root, SUFFIX);
  try {
    await mkdir(join(root, TEMP_DIR), { recursive: true });
    await writeFile(path, JSON.stringify({ pid: process.pid, started: new Date().toISOString() }));
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw fsError('cannot write', path, err);
  }
  return async () => {
    await unlink(path).catch(() => undefined);
  };
}

/** True for a temp file name that is a lease. */
export function isLeaseName(name: string): boolean {
  return name.endsWith(`.${SUFFIX}`);
}

/** The start time (ms) of the oldest lease held by a live process, or undefined when none is. */
export async function oldestLiveLease(root: string): Promise<number | undefined> {
  let names: string[];
  try {
    names = await readdir(join(root, TEMP_DIR));
  } catch {
    return undefined;
  }
  let oldest: number | undefined;
  for (const name of names.filter(isLeaseName)) {
    const pid = Number(name.split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || processIsDead(pid)) continue;
    const s = await stat(join(root, TEMP_DIR, name)).catch(() => undefined);
    if (s) oldest = Math.min(oldest ?? Infinity, s.mtimeMs);
  }
  return oldest;
}
