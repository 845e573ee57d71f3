import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run, type RunResult } from './tools.js';

/** Debian packages providing the binaries the credential tests run. */
const PACKAGES: Record<string, string> = {
  'dbus-daemon': 'dbus',
  'dbus-send': 'dbus',
  'gnome-keyring-daemon': 'gnome-keyring',
  'secret-tool': 'libsecret-tools',
  'docker-credential-secretservice': 'golang-docker-credential-helpers',
  'docker-credential-pass': 'golang-docker-credential-helpers',
  pass: 'pass',
  gpg: 'gnupg',
  gpgconf: 'gnupg',
};

/** The absolute path of a binary the credential tests need, or an Error naming the package to install. */
export function requireBinary(name: string): string {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed: apt-get install -y ${PACKAGES[name] ?? name}`);
}

/** A private D-Bus session bus with gnome-keyring's Secret Service unlocked on it. */
export interface PrivateKeyring {
  /** DBUS_SESSION_BUS_ADDRESS, XDG_DATA_HOME and XDG_RUNTIME_DIR to pass to processes that use it. */
  env: NodeJS.ProcessEnv;
  /** Runs `secret-tool ARGS` on this bus. */
  secretTool(args: readonly string[]): Promise<RunResult>;
  /** Kills the daemons started here (by process group) and removes the temp directories. */
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    // Negative PID: the daemon and anything the bus activated under it (same process group).
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/**
 * Starts `dbus-daemon --session` and `gnome-keyring-daemon --unlock --components=secrets` in the
 * foreground with temp XDG_DATA_HOME / XDG_RUNTIME_DIR (mode 0700), so the user's real keyring is never
 * touched; resolves once org.freedesktop.secrets owns its name on the bus.
 */
export async function startKeyring(): Promise<PrivateKeyring> {
  const dbusDaemon = requireBinary('dbus-daemon');
  const gnomeKeyring = requireBinary('gnome-keyring-daemon');
  const dbusSend = requireBinary('dbus-send');
  const secretTool = requireBinary('secret-tool');
  const root = await mkdtemp(join(tmpdir(), 'regctl-keyring-'));
  const data = join(root, 'data');
  const runtime = join(root, 'run');
  await mkdir(data, { mode: 0o700 });
  await mkdir(runtime, { mode: 0o700 });
  const address = `unix:path=${join(root, 'bus')}`;
  const env: NodeJS.ProcessEnv = { DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime };
  const childEnv = { ...process.env, ...env };
  delete childEnv['DISPLAY'];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const c of children.reverse()) killGroup(c);
    await Promise.all(children.map((c) => waitExit(c, 2000)));
    await rm(root, { recursive: true, force: true });
  };
  try {
    const bus = spawn(dbusDaemon, ['--session', '--nofork', `--address=${address}`], { env: childEnv, detached: true, stdio: 'ignore' });
    children.push(bus);
    await waitFor(
      async () =>
        (await run(dbusSend, ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/', 'org.freedesktop.DBus.ListNames'], { env: childEnv })).code ===
        0,
      'dbus-daemon',
    );
    const keyring = spawn(gnomeKeyring, ['--foreground', '--unlock', '--components=secrets'], {
      env: childEnv,
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(keyring);
    keyring.stdin!.end('regctl-test-keyring-password');
    await waitFor(async () => {
      const r = await run(
        dbusSend,
        ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
        { env: childEnv },
      );
      return /boolean true/.test(r.stdout);
    }, 'gnome-keyring-daemon');
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, secretTool: (args) => run(secretTool, args, { env: childEnv }), stop };
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within 10 s`);
}
