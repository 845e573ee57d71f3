import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of bin/regctl in this checkout. */
export const REGCTL_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/regctl');

/** What one run of bin/regctl produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of runCli. */
export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  cwd?: string;
  /** Kill after this many ms; default 120000. */
  timeout?: number;
  /** startCli only: leave stdin open for the test to write (and end) itself; default false. */
  keepStdin?: boolean;
}

/** A bin/regctl child still running: its process (to signal) and its result once it ends. */
export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/**
 * Starts the built bin/regctl as a child process with a clean environment: HOME, XDG dirs and
 * DOCKER_CONFIG point into a temp dir unless given, so no real config or keychain is touched.
 */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [REGCTL_BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...isolatedEnv(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin?.on('error', () => undefined);
    if (!options.keepStdin) child.stdin?.end(options.input ?? '');
  });
  return { child, done };
}

/** Runs the built bin/regctl to its end; see {@link startCli}. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

let isolatedHome: string | undefined;

/** An environment whose HOME, config, cache and docker dirs are private temp dirs. */
export function isolatedEnv(): NodeJS.ProcessEnv {
  isolatedHome ??= mkdtempSync(join(tmpdir(), 'regctl-home-'));
  return {
    HOME: isolatedHome,
    XDG_CONFIG_HOME: join(isolatedHome, '.config'),
    XDG_CACHE_HOME: join(isolatedHome, '.cache'),
    DOCKER_CONFIG: join(isolatedHome, '.docker'),
    NO_COLOR: '1',
  };
}

/** Makes a temp dir and returns it with a remover. */
export function tempDir(prefix = 'regctl-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
