import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAccessLog, type AccessEntry } from './access-log.js';
import { generateClientCert, generateSigningCert, generateTls, type ClientCertMaterial } from './tls.js';
import { startTokenServer, type TokenServer } from './token-server.js';
import { requireTool, run } from './tools.js';

export type { AccessEntry } from './access-log.js';
export type { TokenServer, TokenRequest, AccessClaim } from './token-server.js';

/** How the test registry authenticates and serves: plain HTTP, htpasswd Basic, Bearer tokens, or HTTPS. */
export type RegistryMode = 'open' | 'basic' | 'token' | 'tls';

/** Settings for {@link startRegistry}. */
export interface RegistryOptions {
  mode: RegistryMode;
  /** Accounts for basic and token modes; default `{ alice: 'wonderland-secret' }`. */
  users?: Record<string, string>;
  /** Token mode: anonymous pull is allowed for repositories starting with this; default `public/`. */
  publicPrefix?: string;
  /** Token mode: token lifetime; default 300. */
  tokenTtlSeconds?: number;
  /**
   * Regular expressions a manifest's layer `urls` must match (`validation.manifests.urls.allow`).
   * distribution 2.7+ refuses every manifest carrying urls (foreign layers) unless this is set.
   */
  manifestUrlsAllow?: string[];
  /** tls mode: extra DNS names in the server certificate (e.g. a name a test's lookup maps to 127.0.0.1). */
  tlsNames?: string[];
  /** tls mode: require a client certificate signed by the test CA (`http.tls.clientcas`, mutual TLS). */
  clientAuth?: boolean;
  /** `storage.delete.enabled`; default true. */
  deleteEnabled?: boolean;
}

/** A running `distribution` registry started for a test. */
export interface RunningRegistry {
  /** `127.0.0.1:PORT` (tls mode: `localhost:PORT` verifies too). */
  host: string;
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  url: string;
  mode: RegistryMode;
  /** tls mode: PEM CA that signed the server certificate. */
  caFile?: string;
  /** tls mode: directory holding `ca.crt` (and, with clientAuth, `client.cert` + `client.key`), for `skopeo --cert-dir`. */
  certDir?: string;
  /** tls mode with clientAuth: a client certificate the registry accepts. */
  clientCert?: ClientCertMaterial;
  users: Record<string, string>;
  /** token mode: the token server the registry trusts. */
  token?: TokenServer;
  /** The registry's storage root; never delete it while the registry runs. */
  dataDir: string;
  /** Entries logged since start or the last {@link RunningRegistry.clearAccessLog}, once all earlier requests are logged. */
  accessLog(): Promise<AccessEntry[]>;
  /** Forgets the entries logged so far; await it so no earlier request's line arrives afterwards. */
  clearAccessLog(): Promise<void>;
  /** The registry's stderr (logrus) output so far, for diagnostics. */
  stderr(): string;
  /** Kills the registry by PID, stops the token server and removes the temp directories. */
  stop(): Promise<void>;
}

const DEFAULT_USERS: Record<string, string> = { alice: 'wonderland-secret' };
const MARK_PARAM = 'regctl-log-mark';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Safety net for a test that forgot stop(): never leave a registry behind the test process.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A loopback port that was free a moment ago (bound to port 0, read back, closed). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** TLS material the harness itself uses to reach a tls-mode registry. */
interface HarnessTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Sends one GET and resolves with the status, or rejects on a connection error. */
function get(url: string, tls: HarnessTls, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'GET', ...tls, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function htpasswdFile(path: string, users: Record<string, string>): Promise<void> {
  const htpasswd = requireTool('htpasswd');
  const lines: string[] = [];
  for (const [user, pass] of Object.entries(users)) {
    // bcrypt only: distribution 2.8 loads MD5/SHA entries but never accepts them.
    const r = await run(htpasswd, ['-Bbn', user, pass], { check: true });
    lines.push(r.stdout.trim());
  }
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

interface Spawned {
  child: ChildProcess;
  stdout: { text: string };
  stderr: { text: string };
  exited: Promise<number | null>;
}

function spawnRegistry(bin: string, configFile: string): Spawned {
  const child = spawn(bin, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  installExitHook();
  live.add(child);
  const stdout = { text: '' };
  const stderr = { text: '' };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout.text += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr.text += c;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(-1);
    });
  });
  return { child, stdout, stderr, exited };
}

/** Waits until the registry answers `GET /v2/` with any status; returns false if it exited first. */
async function waitReady(s: Spawned, url: string, ca: HarnessTls, deadline: number): Promise<boolean> {
  let gone = false;
  void s.exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) return false;
    try {
      await get(`${url}/v2/?${MARK_PARAM}=ready`, ca, 1000);
      return !gone;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`registry at ${url} not ready after 10 s; stderr:\n${s.stderr.text}`);
}

/** Starts a `docker-registry` (distribution 2.8) on a free 127.0.0.1 port with its own config, storage and, per mode, htpasswd, token server or TLS. */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  const bin = requireTool('docker-registry');
  const users = opts.users ?? DEFAULT_USERS;
  const tmp = await mkdtemp(join(tmpdir(), `regctl-registry-${opts.mode}-`));
  const dataDir = join(tmp, 'data');
  await mkdir(dataDir);
  let token: TokenServer | undefined;
  let spawned: Spawned | undefined;
  try {
    const config: Record<string, unknown> = {
      version: '0.1',
      log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
      storage: {
        filesystem: { rootdirectory: dataDir },
        delete: { enabled: opts.deleteEnabled ?? true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: '', secret: randomBytes(16).toString('hex') },
    };
    if (opts.manifestUrlsAllow) config.validation = { manifests: { urls: { allow: opts.manifestUrlsAllow } } };
    const http = config.http as Record<string, unknown>;
    let caFile: string | undefined;
    let certDir: string | undefined;
    let clientCert: ClientCertMaterial | undefined;

    if (opts.mode === 'basic') {
      const path = join(tmp, 'htpasswd');
      await htpasswdFile(path, users);
      config.auth = { htpasswd: { realm: 'regctl-test', path } };
    } else if (opts.mode === 'token') {
      const signing = await generateSigningCert(join(tmp, 'token'));
      token = await startTokenServer({
        users,
        publicPrefix: opts.publicPrefix ?? 'public/',
        ttlSeconds: opts.tokenTtlSeconds ?? 300,
        service: 'regctl-test-registry',
        issuer: 'regctl-test-token-issuer',
        keyFile: signing.keyFile,
      });
      config.auth = {
        token: { realm: token.realm, service: token.service, issuer: token.issuer, rootcertbundle: signing.certFile },
      };
    } else if (opts.mode === 'tls') {
      const tls = await generateTls(join(tmp, 'tls'), opts.tlsNames ?? []);
      http.tls = { certificate: tls.certFile, key: tls.keyFile, ...(opts.clientAuth ? { clientcas: [tls.caFile] } : {}) };
      caFile = tls.caFile;
      certDir = tls.certDir;
      if (opts.clientAuth) {
        clientCert = await generateClientCert(tls, join(tmp, 'client'));
        await copyFile(clientCert.certFile, join(certDir, 'client.cert'));
        await copyFile(clientCert.keyFile, join(certDir, 'client.key'));
      }
    }
    const ca: HarnessTls = caFile ? { ca: await readFile(caFile, 'utf8') } : {};
    if (clientCert) Object.assign(ca, { cert: await readFile(clientCert.certFile, 'utf8'), key: await readFile(clientCert.keyFile, 'utf8') });
    const scheme = opts.mode === 'tls' ? 'https' : 'http';
    const configFile = join(tmp, 'config.yml');

    let port = 0;
    const deadline = Date.now() + 10_000;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      http.addr = `127.0.0.1:${port}`;
      // JSON is valid YAML, and spares us quoting rules.
      await writeFile(configFile, JSON.stringify(config, null, 2));
      spawned = spawnRegistry(bin, configFile);
      if (await waitReady(spawned, `${scheme}://127.0.0.1:${port}`, ca, deadline)) break;
      const err = spawned.stderr.text;
      spawned = undefined;
      if (!/address already in use/.test(err) || attempt >= 4) throw new Error(`docker-registry exited during startup:\n${err}`);
    }

    const s = spawned;
    const url = `${scheme}://127.0.0.1:${port}`;
    let offset = 0;
    const flush = async (): Promise<number> => {
      // A marker request whose log line proves every earlier request's line is in.
      const mark = randomUUID();
      await get(`${url}/v2/?${MARK_PARAM}=${mark}`, ca);
      const end = Date.now() + 3000;
      for (;;) {
        const at = s.stdout.text.indexOf(mark);
        if (at >= 0) {
          const nl = s.stdout.text.indexOf('\n', at);
          if (nl >= 0) return nl + 1;
        }
        if (Date.now() > end) throw new Error('registry access log did not show the marker request within 3 s');
        await sleep(10);
      }
    };
    let stopped = false;

    return {
      host: `127.0.0.1:${port}`,
      url,
      mode: opts.mode,
      caFile,
      certDir,
      ...(clientCert ? { clientCert } : {}),
      users,
      token,
      dataDir,
      accessLog: async () => {
        const end = await flush();
        return parseAccessLog(s.stdout.text.slice(offset, end)).filter((e) => !e.query.includes(`${MARK_PARAM}=`));
      },
      clearAccessLog: async () => {
        offset = s.stdout.text.length;
        offset = await flush();
      },
      stderr: () => s.stderr.text,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await killAndWait(s);
        await token?.close();
        await rm(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (spawned) await killAndWait(spawned);
    await token?.close();
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function killAndWait(s: Spawned): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 5000);
  await s.exited;
  clearTimeout(timer);
}
