import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { errnoCode, RegctlError } from '../errors.js';
import { fsError } from '../util/fs-error.js';
import { processIsDead } from '../util/process-alive.js';
import { sleep } from '../util/sleep.js';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** Give up waiting for the lock after this many milliseconds; default 30 000. */
  timeoutMs?: number;
  /** A lock file older than this many milliseconds is taken to be abandoned; default 60 000. */
  staleMs?: number;
}

/** What a lock file holds, so another process can judge whether its holder is gone. */
interface LockOwner {
  pid: number;
  host: string;
  time: number;
  nonce: string;
}

const HOST = hostname();

/** Age after which an unreadable lock, or a breaker's guard file, is taken to be abandoned. */
const GUARD_STALE_MS = 5_000;

// Serialises callers within this process, so they queue instead of polling the lock file.
const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while holding the cross-process lock file `lockPath` (created with O_EXCL and holding
 * pid, host and time). Waits with short backoff; breaks a lock whose holder process is dead or
 * which is older than `staleMs`; gives up after `timeoutMs` with a RegctlError naming the file.
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const previous = inProcess.get(lockPath) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      const owner = await acquire(lockPath, options);
      try {
        return await fn();
      } finally {
        await release(lockPath, owner);
      }
    });
  const tail = run.catch(() => undefined);
  inProcess.set(lockPath, tail);
  void tail.then(() => {
    if (inProcess.get(lockPath) === tail) inProcess.delete(lockPath);
  });
  return run;
}

async function acquire(lockPath: string, options: LockOptions): Promise<LockOwner> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, host: HOST, time: Date.now(), nonce: randomBytes(8).toString('hex') };
    if (await tryCreate(lockPath, owner)) return owner;
    await breakIfStale(lockPath, staleMs);
    if (Date.now() >= deadline) {
      const holder = await readOwner(lockPath);
      const who = holder ? ` (held by pid ${holder.pid} on ${holder.host} since ${new Date(holder.time).toISOString()})` : '';
      throw new RegctlError('failed', `timed out after ${timeoutMs} ms waiting for lock ${lockPath}${who}; remove the file if no regctl process is running`);
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/**
 * Creates the lock file holding `owner`, or resolves false when it exists. A lock that cannot be
 * written whole (a full disk) is removed again before the error is thrown: an empty lock file
 * would otherwise stand until its age condemned it.
 */
async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockPath, 'wx');
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw fsError('cannot create lock', lockPath, err);
  }
  try {
    await fh.writeFile(JSON.stringify(owner));
  } catch (err) {
    await fh.close().catch(() => undefined);
    fh = undefined;
    await unlink(lockPath).catch(() => undefined);
    throw fsError('cannot create lock', lockPath, err);
  } finally {
    await fh?.close();
  }
  return true;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.time === 'number' && typeof parsed.nonce === 'string') {
      return { pid: parsed.pid, host: String(parsed.host ?? ''), time: parsed.time, nonce: parsed.nonce };
    }
  } catch {
    // missing, or being written right now: judged by its age below
  }
  return undefined;
}

/** True when `pid` names no running process on this host (re-exported: lock files judge their holders by it). */
export { processIsDead };

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const owner = await readOwner(lockPath);
  let stale = false;
  if (owner) {
    stale = (owner.host === HOST && processIsDead(owner.pid)) || Date.now() - owner.time > staleMs;
  } else {
    // An unreadable lock is normal for an instant (created, not yet written); only age condemns it.
    stale = await olderThan(lockPath, Math.min(staleMs, GUARD_STALE_MS));
  }
  if (!stale) return;
  // A guard file makes breaking a stale lock a one-process job, so two breakers cannot
  // remove each other's fresh locks.
  const guard = `${lockPath}.break`;
  const guardOwner: LockOwner = { pid: process.pid, host: HOST, time: Date.now(), nonce: randomBytes(8).toString('hex') };
  if (!(await tryCreate(guard, guardOwner))) {
    const g = await readOwner(guard);
    // An unreadable guard (left empty by a full disk or a crash) is judged by its age, as a lock is.
    const abandoned = g ? (g.host === HOST && processIsDead(g.pid)) || Date.now() - g.time > GUARD_STALE_MS : await olderThan(guard, GUARD_STALE_MS);
    if (abandoned) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    const again = await readOwner(lockPath);
    if (owner ? again?.nonce === owner.nonce : again === undefined) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function release(lockPath: string, owner: LockOwner): Promise<void> {
  const current = await readOwner(lockPath);
  // Only remove our own lock: if it was broken as stale, someone else's may be there now.
  if (current?.nonce === owner.nonce) await unlink(lockPath).catch(() => undefined);
}

/** True when the file at `path` exists and was last written more than `ms` milliseconds ago. */
async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}
