import { join } from 'node:path';
import type { z } from 'zod';
import { RegctlError } from '../errors.js';
import { lazySchema } from '../util/lazy-schema.js';
import { readJsonFile } from '../util/read-json-file.js';
import { dockerConfigDir, type PathEnv } from '../config/paths.js';
import { HelperStore } from './helper-store.js';
import { normalizeRegistry, dockerServerKey } from '../ref/registry.js';
import type { Credential, CredentialStore } from './types.js';

const schemas = lazySchema((z) => {
  const AuthEntrySchema = z.looseObject({
    auth: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    identitytoken: z.string().optional(),
    email: z.string().optional(),
  });
  const DockerConfigSchema = z.looseObject({
    auths: z.record(z.string(), AuthEntrySchema).optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
    credsStore: z.string().optional(),
  });
  return { AuthEntrySchema, DockerConfigSchema };
});

type Schemas = Awaited<ReturnType<typeof schemas>>;

/** The parts of Docker's config.json regctl reads. */
export type DockerConfig = z.infer<Schemas['DockerConfigSchema']>;

/** Docker config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigFile(pe: PathEnv = {}): string {
  return join(dockerConfigDir(pe), 'config.json');
}

/**
 * Reads and validates a Docker config file (or a containers auth file, same format; `label` names it in
 * messages); undefined when it does not exist. Never echoes file contents.
 */
export function readDockerConfig(file: string, label = 'Docker config file'): Promise<DockerConfig | undefined> {
  return readJsonFile(file, async () => (await schemas()).DockerConfigSchema, { label, empty: {} });
}

/** Keys of `record` that stand for `registry`: the exact key first, then docker's normalized matches. */
export function matchingKeys(record: Record<string, unknown> | undefined, registry: string): string[] {
  if (!record) return [];
  const host = normalizeRegistry(registry);
  const keys = Object.keys(record);
  const preferred = [registry, dockerServerKey(registry)];
  const exact = preferred.filter((k, i) => preferred.indexOf(k) === i && k in record);
  const loose = keys.filter((k) => !exact.includes(k) && normalizeRegistry(k) === host);
  return [...exact, ...loose];
}

/** The docker-credential-* helper name for a registry: credHelpers first, then credsStore (seam for the helper store). */
export function credentialHelperFor(config: DockerConfig, registry: string): string | undefined {
  const key = matchingKeys(config.credHelpers, registry)[0];
  return (key !== undefined ? config.credHelpers?.[key] : undefined) || config.credsStore || undefined;
}

/** One `auths` entry of Docker's config.json (or of a containers auth file). */
export type AuthEntry = z.infer<Schemas['AuthEntrySchema']>;

/** The credential in one `auths` entry, or undefined when it holds none; `label` names the file kind in messages. */
export function credentialFromAuthEntry(entry: AuthEntry, key: string, file: string, label = 'Docker config file'): Credential | undefined {
  const cred: Credential = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegctlError('usage', `${label} ${file} has an invalid "auth" value for ${key}`);
    cred.username = decoded.slice(0, colon);
    cred.password = decoded.slice(colon + 1);
  } else {
    if (entry.username) cred.username = entry.username;
    if (entry.password) cred.password = entry.password;
  }
  if (entry.identitytoken) {
    cred.identityToken = entry.identitytoken;
    // docker writes "<token>" as the user with an identity token; the password is then meaningless.
    delete cred.password;
  }
  return cred.identityToken || cred.password ? cred : undefined;
}

/** Options of DockerConfigStore. */
export interface DockerConfigStoreOptions extends PathEnv {
  /** Explicit config.json path; default $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
  file?: string;
  /** Where a missing credential helper is reported (the lookup then goes on with `auths`). */
  warn?: (line: string) => void;
}

/**
 * Docker's config.json as a credential store, read the way docker reads it: `credHelpers[server]`, then
 * `credsStore`, through the docker-credential-* protocol, then the `auths` entries (also when the helper
 * is missing or fails, with a warning). Writes go only
 * through a helper (see `helperFor`); regctl never writes secrets into config.json itself.
 */
export class DockerConfigStore implements CredentialStore {
  /** The config file this store reads. */
  readonly file: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #warn: ((line: string) => void) | undefined;
  readonly #warned = new Set<string>();
  #config: Promise<DockerConfig | undefined> | undefined;

  /** Does no I/O until the first lookup. */
  constructor(options: DockerConfigStoreOptions = {}) {
    this.file = options.file ?? dockerConfigFile(options);
    this.#env = options.env;
    this.#warn = options.warn;
  }

  /** The parsed config (read once), or undefined when the file does not exist. */
  config(): Promise<DockerConfig | undefined> {
    this.#config ??= readDockerConfig(this.file);
    return this.#config;
  }

  /** The helper Docker's config names for `server` (credHelpers, then credsStore), if any. */
  async helperFor(server: string): Promise<HelperStore | undefined> {
    const config = await this.config();
    const name = config ? credentialHelperFor(config, server) : undefined;
    if (!name) return undefined;
    const viaCredHelpers = matchingKeys(config?.credHelpers, server).length > 0;
    return new HelperStore(name, {
      ...(this.#env ? { env: this.#env } : {}),
      where: `named by ${viaCredHelpers ? 'credHelpers' : 'credsStore'} in ${this.file}`,
    });
  }

  /** The credential for `server`: from its credential helper, else from `auths` (matched as docker matches keys). */
  async get(server: string): Promise<Credential | undefined> {
    const helper = await this.helperFor(server);
    if (helper) {
      try {
        const cred = await helper.get(server);
        if (cred) return cred;
      } catch (err) {
        // A helper left behind by another install (Docker Desktop's "desktop") or one without its
        // backend (secretservice outside a D-Bus session) must not break pulls: say so, then use auths.
        if (!(err instanceof RegctlError)) throw err;
        if (!this.#warned.has(helper.program)) this.#warn?.(`${err.message}; using the "auths" entries of ${this.file} only`);
        this.#warned.add(helper.program);
      }
    }
    const config = await this.config();
    const auths = config?.auths;
    for (const key of matchingKeys(auths, server)) {
      const cred = credentialFromAuthEntry(auths![key]!, key, this.file);
      if (cred) return cred;
    }
    return undefined;
  }
}
