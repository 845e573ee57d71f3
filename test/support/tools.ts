import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** External binaries the integration tests rely on. */
export type ToolName = 'docker-registry' | 'skopeo' | 'umoci' | 'htpasswd' | 'openssl' | 'bash' | 'zsh' | 'fish' | 'mkfifo' | 'mount' | 'umount';

const PACKAGES: Record<ToolName, string> = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  umoci: 'umoci',
  htpasswd: 'apache2-utils',
  openssl: 'openssl',
  bash: 'bash',
  zsh: 'zsh',
  fish: 'fish',
  mkfifo: 'coreutils',
  mount: 'mount',
  umount: 'mount',
};

/** Returns the absolute path of a required binary, or throws an Error with the apt-get command that installs it. */
export function requireTool(name: ToolName): string {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  // test/run.mjs runs the unit tier with node alone on PATH: a unit test must not need a tool.
  if (process.env['REGCTL_TEST_TIER'] === 'unit')
    throw new Error(`${name} is an external tool, which unit tests may not run: move this test to test/integration/`);
  throw new Error(`${name} is not installed: apt-get install -y ${PACKAGES[name]}`);
}

/** Outcome of a finished child process. */
export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Kill the process (SIGKILL) after this many milliseconds; default 120 000. */
  timeoutMs?: number;
  /** Throw when the exit code is not 0 (default false). */
  check?: boolean;
}

/** Runs a command without a shell and resolves with its exit code and captured output. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code: code ?? -1,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (opts.check && result.code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited with ${result.code}${signal ? ` (${signal})` : ''}: ${result.stderr.trim()}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => {
      /* the child may exit before reading its input */
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs `umoci ls --layout DIR`, throws unless it exits 0, and returns the tags it lists. */
export async function umociLs(dir: string): Promise<string[]> {
  const umoci = requireTool('umoci');
  const r = await run(umoci, ['ls', '--layout', dir]);
  if (r.code !== 0) throw new Error(`umoci ls --layout ${dir} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Runs `umoci stat --image DIR:TAG --json`, throws unless it exits 0, and returns the parsed JSON. */
export async function umociStat(dir: string, tag: string): Promise<unknown> {
  const umoci = requireTool('umoci');
  const r = await run(umoci, ['stat', '--image', `${dir}:${tag}`, '--json']);
  if (r.code !== 0) throw new Error(`umoci stat --image ${dir}:${tag} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as unknown;
}
