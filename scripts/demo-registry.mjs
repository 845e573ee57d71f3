// A throw-away CNCF distribution registry for the demo: loopback only, a free port, storage and
// config in a directory the caller removes. Standalone on purpose: the demo runs from a clone
// after `npm ci`, where the compiled tests (dist/test) do not exist.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** The registry binary on PATH: Debian's `docker-registry`, or upstream's `registry`. */
export function findRegistry(path = process.env.PATH ?? '') {
  for (const name of ['docker-registry', 'registry']) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once GET /v2/ answers, false when the process exits first. */
function ready(port, child) {
  return new Promise((resolve) => {
    const deadline = Date.now() + 10_000;
    const onExit = () => resolve(false);
    child.once('exit', onExit);
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      get({ host: '127.0.0.1', port, path: '/v2/', agent: false, timeout: 1000 }, (res) => {
        res.resume();
        child.off('exit', onExit);
        resolve(true);
      }).on('error', () => {
        if (Date.now() > deadline) {
          child.off('exit', onExit);
          resolve(false);
        } else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts `bin serve CONFIG` on a free 127.0.0.1 port with its storage under `dir`; resolves with its
 * host, pid and a stop() that waits for the process to exit (SIGKILL after 5 s).
 */
export async function startRegistry(bin, dir) {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const configFile = join(dir, 'config.yml');
  let stderr = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = {
      version: '0.1',
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: data }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
    const child = spawn(bin, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (text) => {
      stderr += text;
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.once('error', (err) => {
      stderr += String(err);
    });
    if (await ready(port, child)) {
      return {
        host: `127.0.0.1:${port}`,
        pid: child.pid,
        /** Kills the registry synchronously; for the process 'exit' hook, where nothing can be awaited. */
        killNow: () => child.kill('SIGKILL'),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    child.kill('SIGKILL');
    await exited;
    if (!/address already in use/.test(stderr)) break;
  }
  throw new Error(`${bin} did not start: ${stderr.trim().split('\n').slice(-3).join(' ') || 'no output'}`);
}
