import { errnoCode } from '../errors.js';

/** True when `pid` names no running process on this host (a process of another user still counts as running). */
export function processIsDead(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return errnoCode(err) === 'ESRCH';
  }
}
