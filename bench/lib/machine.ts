import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { RSS_METHOD } from './measure.js';

/** The first line a tool prints for its version flag, or "not installed". */
function toolVersion(cmd: string, args: string[]): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]?.trim() || 'unknown';
  } catch {
    return 'not installed';
  }
}

/** The 1, 5 and 15 minute load averages, as the bench prints them. */
export function loadLine(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** What the figures were measured on: CPU, cores, memory, tool versions, and how RSS is read. */
export function machineLines(): string[] {
  const cpu = cpus();
  return [
    `machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`,
    `node ${process.version}; ${toolVersion('skopeo', ['--version'])}; ${toolVersion('umoci', ['--version'])}; ${toolVersion('docker-registry', ['--version'])}`,
    `peak RSS via ${RSS_METHOD}; CPU time (user + system) via /usr/bin/time -v`,
  ];
}
