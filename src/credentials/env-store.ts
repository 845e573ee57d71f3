import { normalizeRegistry } from '../ref/registry.js';
import type { Credential, CredentialStore } from './types.js';

/** The warning printed (once) when REGCTL_USERNAME/REGCTL_PASSWORD are set without REGCTL_REGISTRY. */
export const ENV_UNSCOPED_WARNING =
  'REGCTL_USERNAME/REGCTL_PASSWORD are ignored: set REGCTL_REGISTRY to the registry (or comma-separated registries) they are for';

/** Options of EnvStore. */
export interface EnvStoreOptions {
  /** Where the "not scoped" warning goes, once per store; default nowhere. */
  warn?: (line: string) => void;
}

/** The registries REGCTL_REGISTRY names, normalized the docker way; empty when unset or blank. */
export function envRegistries(env: NodeJS.ProcessEnv): string[] {
  return (env['REGCTL_REGISTRY'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(normalizeRegistry);
}

/**
 * Credentials from REGCTL_USERNAME/REGCTL_PASSWORD (meant for CI), applied only to the registries named
 * in REGCTL_REGISTRY (SPEC §5). Set without REGCTL_REGISTRY they are ignored, with one warning: sending
 * one account's password to every registry a command touches is how CI secrets leak to public registries.
 */
export class EnvStore implements CredentialStore {
  readonly #env: NodeJS.ProcessEnv;
  readonly #warn: ((line: string) => void) | undefined;
  #warned = false;

  /** Reads from `env` (default process.env) at each lookup. */
  constructor(env: NodeJS.ProcessEnv = process.env, options: EnvStoreOptions = {}) {
    this.#env = env;
    this.#warn = options.warn;
  }

  /** Both variables must be set and non-empty, and `server` must be one of REGCTL_REGISTRY's registries. */
  async get(server: string): Promise<Credential | undefined> {
    const username = this.#env['REGCTL_USERNAME'];
    const password = this.#env['REGCTL_PASSWORD'];
    if (!username || !password) return undefined;
    const scope = envRegistries(this.#env);
    if (scope.length === 0) {
      if (!this.#warned) this.#warn?.(ENV_UNSCOPED_WARNING);
      this.#warned = true;
      return undefined;
    }
    return scope.includes(normalizeRegistry(server)) ? { username, password } : undefined;
  }
}
