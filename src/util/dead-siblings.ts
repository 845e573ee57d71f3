import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processIsDead } from './process-alive.js';

/**
 * Removes the `.NAME.PID.HEX<suffix>` files or directories beside `path` whose creating process is
 * gone — what a writer killed mid-way (kill -9) left — so no run leaves another's partial work behind for good.
 */
export async function removeDeadSiblings(path: string, suffix: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    const m = /^(\d+)\.[0-9a-f]+$/.exec(name.slice(prefix.length, name.length - suffix.length));
    if (m && processIsDead(Number(m[1]))) await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
