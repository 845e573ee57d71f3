import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './tools.js';

/** A small tmpfs mounted on a temp dir: a disk that fills up, or turns read-only, on demand. */
export interface Tmpfs {
  /** The mount point. */
  dir: string;
  /** Writes a filler file until the filesystem is full (ENOSPC); returns its path. */
  fill(): string;
  /** Removes every filler file: space is free again. */
  free(): void;
  /** Remounts read-only (`ro`) or read-write. */
  remount(mode: 'ro' | 'rw'): void;
  /** Unmounts and removes the mount point. */
  remove(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` (needs root, as the tests here run). When it cannot be mounted the
 * error says why, so the test fails with the reason rather than skipping.
 */
export function mountTmpfs(sizeBytes: number, prefix = 'regctl-tmpfs-'): Tmpfs {
  requireTool('mount');
  requireTool('umount');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(
      `this test needs a small tmpfs (a disk that fills up) and could not mount one at ${dir}: ${detail}; run the tests as root (or in a container with CAP_SYS_ADMIN)`,
    );
  }
  const fillers: string[] = [];
  return {
    dir,
    fill: () => {
      const path = join(dir, `filler-${fillers.length}`);
      fillers.push(path);
      const fd = openSync(path, 'w');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (let size = block.length; size >= 1; ) {
          try {
            writeSync(fd, block, 0, size);
          } catch (err) {
            if ((err as { code?: string }).code !== 'ENOSPC') throw err;
            size = Math.floor(size / 2);
          }
        }
      } finally {
        closeSync(fd);
      }
      return path;
    },
    free: () => {
      for (const f of fillers.splice(0)) rmSync(f, { force: true });
    },
    remount: (mode) => {
      execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
    },
    remove: () => {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
