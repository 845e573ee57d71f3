import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One measured run of a command. */
export interface Measurement {
  code: number;
  /** Wall time in milliseconds, spawn to exit. */
  wallMs: number;
  /** Peak resident set size in KiB (`/usr/bin/time -v`, else the VmHWM polled from /proc). */
  peakRssKiB: number;
  /** User plus system CPU time in milliseconds (`/usr/bin/time -v`; NaN without it). */
  cpuMs: number;
  stdout: string;
  stderr: string;
  /** Set by the alternation: true when the run before this one was the other tool's (a pull then meets the pages and blocks it freed). */
  afterOther?: boolean;
}

const GNU_TIME = '/usr/bin/time';

function hasGnuTime(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How peak RSS is measured on this machine. */
export const RSS_METHOD = hasGnuTime() ? '/usr/bin/time -v (Maximum resident set size)' : '/proc/<pid>/status VmHWM polled every 20 ms';

function vmHwmKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs `cmd args` to completion and measures its wall time and peak RSS. */
export function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  const viaTime = hasGnuTime();
  const argv = viaTime ? [GNU_TIME, '-v', cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let polled = 0;
    const poll = viaTime
      ? undefined
      : setInterval(() => {
          polled = Math.max(polled, vmHwmKiB(child.pid ?? 0));
        }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (poll) clearInterval(poll);
      let stderr = Buffer.concat(err).toString('utf8');
      let peakRssKiB = polled;
      let cpuMs = Number.NaN;
      if (viaTime) {
        const at = stderr.lastIndexOf('\tCommand being timed:');
        const report = at >= 0 ? stderr.slice(at) : '';
        peakRssKiB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)?.[1] ?? 0);
        const seconds = (label: string): number => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(report)?.[1] ?? Number.NaN);
        cpuMs = (seconds('User') + seconds('System')) * 1000;
        if (at >= 0) stderr = stderr.slice(0, at);
      }
      resolve({ code: code ?? -1, wallMs, peakRssKiB, cpuMs, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The value after `flag` in argv (`--rounds 5` → "5"), or undefined. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** skopeo's blob-location cache makes later copies mount or skip; remove it before every skopeo run. */
export function dropSkopeoBlobCache(): void {
  for (const f of ['/var/lib/containers/cache/blob-info-cache-v1.boltdb', join(homedir(), '.local/share/containers/cache/blob-info-cache-v1.boltdb')]) {
    rmSync(f, { force: true });
  }
}

/** Milliseconds as seconds with two decimals. */
export const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** KiB as whole MiB. */
export const fmtMiB = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

/** Sectors written and requests in flight, summed over the machine's block devices (0s where /sys has none). */
function diskActivity(): { written: number; inFlight: number } {
  let written = 0;
  let inFlight = 0;
  let names: string[] = [];
  try {
    names = readdirSync('/sys/block').filter((n) => !/^(loop|ram|zram)/.test(n));
  } catch {
    return { written, inFlight };
  }
  for (const name of names) {
    try {
      const f = readFileSync(`/sys/block/${name}/stat`, 'utf8').trim().split(/\s+/).map(Number);
      // Sectors written, and sectors discarded (kernel 4.18+: a deletion on a `discard` mount).
      written += (f[6] ?? 0) + (f[14] ?? 0);
      inFlight += f[8] ?? 0;
    } catch {
      // A device that went away: nothing to wait for.
    }
  }
  return { written, inFlight };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes dirty pages out (untimed), then waits until the disks have been quiet for 300 ms (at most
 * 15 s), so one run's writeback — and the journal commits and discards that follow a deletion on a
 * filesystem mounted with `discard` — does not land in the next run's time.
 */
export function settle(): void {
  execFileSync('sync');
  let last = diskActivity();
  let quiet = 0;
  for (const started = Date.now(); quiet < 3 && Date.now() - started < 15_000; ) {
    Atomics.wait(pause, 0, 0, 100);
    const now = diskActivity();
    quiet = now.written === last.written && now.inFlight === 0 ? quiet + 1 : 0;
    last = now;
  }
}

/** {@link settle}, then {@link measure}: every timed run of the bench starts this way. */
export function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  settle();
  return measure(cmd, args, env);
}
