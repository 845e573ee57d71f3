import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegctlError } from '../errors.js';
import type { PathEnv } from '../config/paths.js';
import { credentialFromAuthEntry, matchingKeys, readDockerConfig, type DockerConfig } from './docker-config.js';
import { HelperStore } from './helper-store.js';
import { normalizeRegistry } from '../ref/registry.js';
import type { Credential, CredentialStore } from './types.js';

const LABEL = 'containers auth file';

/** Inputs to the auth-file rules; `uid` defaults to the process's (for /run/containers/UID). */
export interface ContainersAuthPathEnv extends PathEnv {
  uid?: number;
}

/**
 * The auth files podman, buildah and skopeo write and read, in the order they read them
 * (containers-auth.json(5)): the primary file — `$REGISTRY_AUTH_FILE`, else
 * `$XDG_RUNTIME_DIR/containers/auth.json` (Linux; `/run/containers/UID/auth.json` without
 * XDG_RUNTIME_DIR; `~/.config/containers/auth.json` on macOS and Windows) — then
 * `$XDG_CONFIG_HOME/containers/auth.json` (`~/.config/containers/auth.json`).
 */
export function containersAuthFiles(pe: ContainersAuthPathEnv = {}): string[] {
  const env = pe.env ?? process.env;
  const platform = pe.platform ?? process.platform;
  const home = pe.home ?? homedir();
  let primary: string;
  if (env['REGISTRY_AUTH_FILE']) primary = env['REGISTRY_AUTH_FILE'];
  else if (platform === 'darwin' || platform === 'win32') primary = join(home, '.config', 'containers', 'auth.json');
  else if (env['XDG_RUNTIME_DIR']) primary = join(env['XDG_RUNTIME_DIR'], 'containers', 'auth.json');
  else primary = `/run/containers/${pe.uid ?? process.getuid?.() ?? 0}/auth.json`;
  const user = join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'containers', 'auth.json');
  return primary === user ? [primary] : [primary, user];
}

/**
 * The keys that may hold the credential for `repository` on `registry`, most specific first, as
 * containers-auth.json(5) matches them: `host/a/b/c`, `host/a/b`, `host/a`, `host`.
 */
export function containersAuthKeys(registry: string, repository?: string): string[] {
  const host = normalizeRegistry(registry);
  const parts = (repository ?? '').split('/').filter(Boolean);
  const keys: string[] = [];
  for (let i = parts.length; i > 0; i--) keys.push(`${host}/${parts.slice(0, i).join('/')}`);
  keys.push(host);
  return keys;
}

/** A key of the file in the form containersAuthKeys() produces: the host part normalized, a namespace kept. */
function normalizeKey(key: string): string {
  // URL-form keys ("https://index.docker.io/v1/") are docker's legacy host keys, never namespaces.
  if (key.includes('://')) return normalizeRegistry(key);
  const slash = key.indexOf('/');
  if (slash < 0) return normalizeRegistry(key);
  const path = key.slice(slash + 1).replace(/\/+$/, '');
  return path ? `${normalizeRegistry(key.slice(0, slash))}/${path}` : normalizeRegistry(key);
}

/** Options of ContainersAuthStore. */
export interface ContainersAuthStoreOptions extends ContainersAuthPathEnv {
  /** Explicit files, in lookup order; default containersAuthFiles(). */
  files?: string[];
  /** Where a failing credential helper is reported (the lookup then goes on with `auths`). */
  warn?: (line: string) => void;
}

/**
 * The containers auth files (podman/buildah/skopeo login) as a read-only credential store: in each file,
 * a `credHelpers` entry for the host first, then the most specific `auths` key matching the repository
 * (`host/namespace/…` before `host`); the first file with a credential wins.
 */
export class ContainersAuthStore implements CredentialStore {
  /** The files this store reads, in order. */
  readonly files: string[];
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #warn: ((line: string) => void) | undefined;
  readonly #configs = new Map<string, Promise<DockerConfig | undefined>>();

  /** Does no I/O until the first lookup. */
  constructor(options: ContainersAuthStoreOptions = {}) {
    this.files = options.files ?? containersAuthFiles(options);
    this.#env = options.env;
    this.#warn = options.warn;
  }

  /** The credential for `server` (and `repository`, for namespace keys), or undefined. */
  async get(server: string, repository?: string): Promise<Credential | undefined> {
    for (const file of this.files) {
      const cred = await this.#fromFile(file, server, repository);
      if (cred) return cred;
    }
    return undefined;
  }

  async #fromFile(file: string, server: string, repository: string | undefined): Promise<Credential | undefined> {
    let p = this.#configs.get(file);
    if (!p) {
      p = readDockerConfig(file, LABEL);
      this.#configs.set(file, p);
    }
    const config = await p;
    if (!config) return undefined;
    const helperKey = matchingKeys(config.credHelpers, server)[0];
    const helperName = helperKey !== undefined ? config.credHelpers?.[helperKey] : undefined;
    if (helperName) {
      const cred = await this.#fromHelper(helperName, file, server);
      if (cred) return cred;
    }
    const auths = config.auths ?? {};
    const byKey = new Map<string, string[]>();
    for (const k of Object.keys(auths)) byKey.set(normalizeKey(k), [...(byKey.get(normalizeKey(k)) ?? []), k]);
    for (const wanted of containersAuthKeys(server, repository)) {
      // An exactly written key wins over one that only normalizes to the same name.
      const keys = (byKey.get(wanted) ?? []).sort((a, b) => Number(b === wanted) - Number(a === wanted));
      for (const k of keys) {
        const cred = credentialFromAuthEntry(auths[k]!, k, file, LABEL);
        if (cred) return cred;
      }
    }
    return undefined;
  }

  async #fromHelper(name: string, file: string, server: string): Promise<Credential | undefined> {
    const helper = new HelperStore(name, { ...(this.#env ? { env: this.#env } : {}), where: `named by credHelpers in ${file}` });
    try {
      // podman stores under the bare host; docker's key forms are tried after it.
      return (await helper.getKey(normalizeRegistry(server))) ?? (await helper.get(server));
    } catch (err) {
      if (!(err instanceof RegctlError)) throw err;
      this.#warn?.(`${err.message}; using the "auths" entries of ${file} only`);
      return undefined;
    }
  }
}
