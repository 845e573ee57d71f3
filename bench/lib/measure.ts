import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';

/** One measured run of a command. */
export interface Measurement {
  code: number;
  /** Wall time in milliseconds, spawn to exit. */
  wallMs: number;
  /** Peak resident set size in KiB (`/usr/bin/time -v`, else the VmHWM polled from /proc). */
  peakRssKiB: number;
  stdout: string;
  stderr: string;
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
    const poll = viaTime ? undefined : setInterval(() => { polled = Math.max(polled, vmHwmKiB(child.pid ?? 0)); }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (poll) clearInterval(poll);
      let stderr = Buffer.concat(err).toString('utf8');
      let peakRssKiB = polled;
      if (viaTime) {
        const at = stderr.lastIndexOf('\tCommand being timed:');
        const report = at >= 0 ? stderr.slice(at) : '';
        peakRssKiB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)?.[1] ?? 0);
        if (at >= 0) stderr = stderr.slice(0, at);
      }
      resolve({ code: code ?? -1, wallMs, peakRssKiB, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
