import type { Credential, CredentialStore } from './types.js';

/** Credentials from REGCTL_USERNAME/REGCTL_PASSWORD, applied to every registry (meant for CI). */
export class EnvStore implements CredentialStore {
  readonly #env: NodeJS.ProcessEnv;

  /** Reads from `env` (default process.env) at each lookup. */
  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.#env = env;
  }

  /** Both variables must be set and non-empty; the server name is ignored. */
  async get(_server: string): Promise<Credential | undefined> {
    const username = this.#env['REGCTL_USERNAME'];
    const password = this.#env['REGCTL_PASSWORD'];
    if (!username || !password) return undefined;
    return { username, password };
  }
}
