import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RegctlError, errnoCode } from '../errors.js';
import { dockerConfigDir, type PathEnv } from '../config/paths.js';
import type { Credential, CredentialStore } from './types.js';

/** The key `docker login` writes for Docker Hub. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

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

/** The parts of Docker's config.json regctl reads. */
export type DockerConfig = z.infer<typeof DockerConfigSchema>;

/**
 * The registry host a Docker config key or server name stands for, the way docker's
 * ConvertToHostname does it: scheme and path dropped, lower-cased, Docker Hub aliases → "docker.io".
 */
export function credentialHost(server: string): string {
  let s = server.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  const bare = s.replace(/:443$/, '');
  return DOCKER_HUB_ALIASES.has(bare) ? 'docker.io' : bare;
}

/** The key docker itself uses for a registry: "https://index.docker.io/v1/" for Docker Hub, else the host. */
export function dockerServerKey(registry: string): string {
  const host = credentialHost(registry);
  return host === 'docker.io' ? DOCKER_HUB_KEY : host;
}

/** Docker config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigFile(pe: PathEnv = {}): string {
  return join(dockerConfigDir(pe), 'config.json');
}

/** Reads and validates a Docker config file; undefined when it does not exist. Never echoes file contents. */
export async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw new RegctlError('usage', `cannot read Docker config file ${file}: ${errnoCode(err) ?? 'read error'}`, { cause: err });
  }
  if (text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the text around the error, which may be a secret: say only where.
    throw new RegctlError('usage', `Docker config file ${file} is not valid JSON`);
  }
  const parsed = DockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw new RegctlError('usage', `Docker config file ${file} is invalid at ${where}: ${issue?.code ?? 'bad value'}`);
  }
  return parsed.data;
}

/** Keys of `record` that stand for `registry`: the exact key first, then docker's normalized matches. */
export function matchingKeys(record: Record<string, unknown> | undefined, registry: string): string[] {
  if (!record) return [];
  const host = credentialHost(registry);
  const keys = Object.keys(record);
  const preferred = [registry, dockerServerKey(registry)];
  const exact = preferred.filter((k, i) => preferred.indexOf(k) === i && k in record);
  const loose = keys.filter((k) => !exact.includes(k) && credentialHost(k) === host);
  return [...exact, ...loose];
}

/** The docker-credential-* helper name for a registry: credHelpers first, then credsStore (seam for the helper store). */
export function credentialHelperFor(config: DockerConfig, registry: string): string | undefined {
  const key = matchingKeys(config.credHelpers, registry)[0];
  return (key !== undefined ? config.credHelpers?.[key] : undefined) || config.credsStore || undefined;
}

/** The credential in one `auths` entry, or undefined when it holds none. */
export function credentialFromAuthEntry(entry: z.infer<typeof AuthEntrySchema>, key: string, file: string): Credential | undefined {
  const cred: Credential = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegctlError('usage', `Docker config file ${file} has an invalid "auth" value for ${key}`);
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
}

/**
 * Reads the `auths` section of Docker's config.json (read-only). `credHelpers` and `credsStore` are
 * exposed through `config()` and `credentialHelperFor` for the docker-credential helper store.
 */
export class DockerConfigStore implements CredentialStore {
  /** The config file this store reads. */
  readonly file: string;
  #config: Promise<DockerConfig | undefined> | undefined;

  /** Does no I/O until the first lookup. */
  constructor(options: DockerConfigStoreOptions = {}) {
    this.file = options.file ?? dockerConfigFile(options);
  }

  /** The parsed config (read once), or undefined when the file does not exist. */
  config(): Promise<DockerConfig | undefined> {
    this.#config ??= readDockerConfig(this.file);
    return this.#config;
  }

  /** The credential stored under `auths` for `server`, matched as docker matches keys. */
  async get(server: string): Promise<Credential | undefined> {
    const config = await this.config();
    const auths = config?.auths;
    for (const key of matchingKeys(auths, server)) {
      const cred = credentialFromAuthEntry(auths![key]!, key, this.file);
      if (cred) return cred;
    }
    return undefined;
  }
}
