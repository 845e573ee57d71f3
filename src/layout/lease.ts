import { appendFile, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_DIR, tempPath } from './blobs.js';
import { processIsDead } from './lock.js';
import { fsError } from '../util/fs-error.js';

const SUFFIX = 'lease';

/**
 * A transfer in flight into a layout. Prune keeps, while a live process holds it, every blob the
 * transfer {@link Lease.hold}s (blobs it found present as well as blobs it wrote) and every
 * unreferenced blob written since the lease began.
 */
export interface Lease {
  /**
   * Records that the transfer is about to rely on `digest`; resolves once a prune starting later
   * would see it. Call it before checking that the blob is present.
   */
  hold(digest: string): Promise<void>;
  /** Ends the lease (idempotent). */
  release(): Promise<void>;
}

/**
 * Takes a lease on the layout at `root`: a file in its temp area named after this process, holding
 * a header line and then one held digest a line (appended, so a concurrent reader sees whole lines).
 */
export async function acquireLease(root: string): Promise<Lease> {
  const path = tempPath(root, SUFFIX);
  try {
    await mkdir(join(root, TEMP_DIR), { recursive: true });
    await writeFile(path, `${JSON.stringify({ pid: process.pid, started: new Date().toISOString() })}\n`);
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw fsError('cannot write', path, err);
  }
  const held = new Set<string>();
  let released = false;
  return {
    hold: async (digest) => {
      if (held.has(digest) || released) return;
      held.add(digest);
      try {
        await appendFile(path, `${digest}\n`);
      } catch (err) {
        held.delete(digest);
        throw fsError('cannot write', path, err);
      }
    },
    release: async () => {
      released = true;
      await unlink(path).catch(() => undefined);
    },
  };
}

/** True for a temp file name that is a lease. */
export function isLeaseName(name: string): boolean {
  return name.endsWith(`.${SUFFIX}`);
}

/** What the leases of live processes protect from prune. */
export interface LiveLeases {
  /** Start time (ms) of the oldest live lease; undefined when there is none. */
  oldest: number | undefined;
  /** Every digest a live lease holds. */
  held: Set<string>;
}

/** The leases held by live processes on the layout at `root`. */
export async function liveLeases(root: string): Promise<LiveLeases> {
  const result: LiveLeases = { oldest: undefined, held: new Set() };
  let names: string[];
  try {
    names = await readdir(join(root, TEMP_DIR));
  } catch {
    return result;
  }
  for (const name of names.filter(isLeaseName)) {
    const pid = Number(name.split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || processIsDead(pid)) continue;
    const path = join(root, TEMP_DIR, name);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const [header = '', ...lines] = text.split('\n');
    // The header says when the lease began (holds append lines and move the file's mtime forward).
    result.oldest = Math.min(result.oldest ?? Infinity, startedAt(header) ?? (await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
    for (const line of lines) if (/^sha(256|512):[a-f0-9]+$/.test(line)) result.held.add(line);
  }
  return result;
}

function startedAt(header: string): number | undefined {
  try {
    const t = Date.parse((JSON.parse(header) as { started?: unknown }).started as string);
    return Number.isNaN(t) ? undefined : t;
  } catch {
    return undefined;
  }
}
