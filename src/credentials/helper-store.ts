import { RegctlError, errnoCode } from '../errors.js';
import { lazySchema } from '../util/lazy-schema.js';
import { normalizeRegistry, dockerServerKey } from '../ref/registry.js';
import type { Credential, CredentialStore } from './types.js';

/** The username docker-credential helpers hold when the secret is an identity (refresh) token. */
export const TOKEN_USERNAME = '<token>';

/** Thrown when `docker-credential-<name>` cannot be run at all (not installed / not on PATH). */
export class HelperMissingError extends RegctlError {
  /** The helper's program name. */
  readonly program: string;

  /** `where` says which config named the helper. */
  constructor(program: string, where: string, cause?: unknown) {
    super('failed', `the docker credential helper "${program}" (${where}) is not installed or not on PATH`, { cause });
    this.program = program;
  }
}

/** Options of HelperStore. */
export interface HelperStoreOptions {
  /** Environment the helper runs with; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kill the helper after this long; default 60 s (pass may wait for a GPG pinentry). */
  timeoutMs?: number;
  /** Says which config named the helper, for messages; default "Docker's config.json". */
  where?: string;
}

const schemas = lazySchema((z) => ({
  GetAnswerSchema: z.looseObject({ ServerURL: z.string().optional(), Username: z.string().optional(), Secret: z.string().optional() }),
  ListAnswerSchema: z.record(z.string(), z.string()),
}));

interface HelperRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** True for the helpers' "not found" answers (docker's credentials.errCredentialsNotFound and pass's wording). */
function isNotFound(run: HelperRun): boolean {
  return /credentials not found|not in the password store|could not be found|not found in/i.test(`${run.stdout}\n${run.stderr}`);
}

/**
 * A `docker-credential-<name>` helper as a credential store (Docker's protocol: `get`, `store`, `erase`,
 * `list` with the server URL or JSON on stdin). Server keys are docker's: "https://index.docker.io/v1/"
 * for Docker Hub, else the host; `get` also finds entries stored as "https://host" or "host/v1/".
 */
export class HelperStore implements CredentialStore {
  /** The helper's program name, e.g. "docker-credential-pass". */
  readonly program: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;
  readonly #where: string;

  /** `name` is the suffix Docker's config uses ("pass", "secretservice", "desktop"). */
  constructor(name: string, options: HelperStoreOptions = {}) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RegctlError('usage', `invalid docker credential helper name "${name}"`);
    this.program = `docker-credential-${name}`;
    this.#env = options.env ?? process.env;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#where = options.where ?? "named in Docker's config.json";
  }

  /** The credential for `server`, matched the way docker matches keys; undefined when the helper has none. */
  async get(server: string): Promise<Credential | undefined> {
    const key = dockerServerKey(server);
    const exact = await this.getKey(key);
    if (exact) return exact;
    const host = normalizeRegistry(server);
    for (const other of Object.keys(await this.list())) {
      if (other !== key && normalizeRegistry(other) === host) {
        const cred = await this.getKey(other);
        if (cred) return cred;
      }
    }
    return undefined;
  }

  /** `get` for one exact server URL. */
  async getKey(serverUrl: string): Promise<Credential | undefined> {
    const run = await this.#run('get', serverUrl);
    if (run.code !== 0) {
      if (isNotFound(run)) return undefined;
      throw this.#failed('get', run);
    }
    const parsed = (await schemas()).GetAnswerSchema.safeParse(this.#json(run, 'get'));
    if (!parsed.success) throw this.#malformed('get');
    const { Username: username, Secret: secret } = parsed.data;
    if (!secret) return undefined;
    if (username === TOKEN_USERNAME) return { identityToken: secret };
    return { ...(username ? { username } : {}), password: secret };
  }

  /** Stores `cred` under docker's key for `server` (an identity token as user "<token>"). */
  async put(server: string, cred: Credential): Promise<void> {
    const secret = cred.identityToken ?? cred.password;
    if (!secret) throw new RegctlError('internal', 'nothing to store');
    const body = JSON.stringify({ ServerURL: dockerServerKey(server), Username: cred.identityToken ? TOKEN_USERNAME : (cred.username ?? ''), Secret: secret });
    const run = await this.#run('store', body);
    if (run.code !== 0) throw this.#failed('store', run);
  }

  /** Erases docker's key for `server`; false when the helper held nothing there. */
  async delete(server: string): Promise<boolean> {
    const key = dockerServerKey(server);
    // Helpers disagree on erasing a missing entry (secretservice: success, pass: failure), so ask first.
    if (!(await this.getKey(key))) return false;
    const run = await this.#run('erase', key);
    if (run.code !== 0 && !isNotFound(run)) throw this.#failed('erase', run);
    return true;
  }

  /** Server URL → username for everything the helper holds. */
  async list(): Promise<Record<string, string>> {
    const run = await this.#run('list', '');
    if (run.code !== 0) throw this.#failed('list', run);
    const parsed = (await schemas()).ListAnswerSchema.safeParse(this.#json(run, 'list'));
    if (!parsed.success) throw this.#malformed('list');
    return parsed.data;
  }

  #json(run: HelperRun, op: string): unknown {
    try {
      return JSON.parse(run.stdout);
    } catch {
      throw this.#malformed(op);
    }
  }

  // Never quote a helper's stdout after get: it may hold the secret.
  #malformed(op: string): RegctlError {
    return new RegctlError('failed', `${this.program} ${op} returned malformed output (not the credential helper protocol's JSON)`);
  }

  #failed(op: string, run: HelperRun): RegctlError {
    // Helpers print their errors on stdout; anything JSON-looking could be a credential, so it is never quoted.
    const out = run.stdout.trim().startsWith('{') ? '' : run.stdout;
    const said = `${out}\n${run.stderr}`.trim().split('\n')[0]?.slice(0, 200) ?? '';
    return new RegctlError('failed', `${this.program} ${op} failed (exit ${run.code})${said ? `: ${said}` : ''}`);
  }

  async #run(op: string, input: string): Promise<HelperRun> {
    // Loaded here, not at start-up: most runs never call a helper.
    const { spawn } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      const child = spawn(this.program, [op], { env: this.#env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        const code = errnoCode(e);
        reject(
          code === 'ENOENT' || code === 'EACCES'
            ? new HelperMissingError(this.program, this.#where, e)
            : new RegctlError('failed', `cannot run ${this.program}: ${code ?? e.message}`, { cause: e }),
        );
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (signal) return reject(new RegctlError('failed', `${this.program} ${op} was killed (${signal})${signal === 'SIGKILL' ? ' after a timeout' : ''}`));
        resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
  }
}
