import { RegctlError } from '../errors.js';
import type { Config } from '../config/config.js';
import { DockerConfigStore } from './docker-config.js';
import { FileStore, FILE_STORE_WARNING, credentialsFile } from './file-store.js';
import { KEYCHAIN_SERVICE, KeychainStore } from './keychain-store.js';
import { normalizeRegistry, dockerServerKey } from '../ref/registry.js';
import type { Credential, StoreKind } from './types.js';

/** A writable store chosen for login/logout, with what to tell the user. */
export interface WritableStore {
  kind: StoreKind;
  /** Human words for where the credentials go, e.g. 'the OS keychain (service "regctl", account "docker.io")'. */
  where: string;
  /** Printed as a warning when login writes here. */
  warning?: string;
  /** Throws a clear error when the store cannot work at all; called before prompting. */
  probe(): Promise<void>;
  get(server: string): Promise<Credential | undefined>;
  put(server: string, cred: Credential): Promise<void>;
  delete(server: string): Promise<boolean>;
}

/** What store selection needs from the session. */
export interface StoreContext {
  config: Config;
  configDir: string;
  env: NodeJS.ProcessEnv;
  debug?: (line: string) => void;
}

/** The store kind for `registry`: the flag, then the registry's config, then the global config, then the keychain. */
export function chosenStoreKind(flag: StoreKind | undefined, config: Config, registry: string): StoreKind {
  if (flag) return flag;
  const host = normalizeRegistry(registry);
  const perRegistry = Object.entries(config.registries ?? {}).find(([k]) => normalizeRegistry(k) === host)?.[1]?.credentialStore;
  return perRegistry ?? config.credentialStore ?? 'keychain';
}

/** Opens the writable store of `kind` for `registry`. */
export async function openWritableStore(kind: StoreKind, registry: string, ctx: StoreContext): Promise<WritableStore> {
  if (kind === 'keychain') {
    const store = new KeychainStore({ ...(ctx.debug ? { debug: ctx.debug } : {}) });
    return {
      kind,
      where: `the OS keychain (service "${KEYCHAIN_SERVICE}", account "${KeychainStore.account(registry)}")`,
      probe: () => store.probe(),
      get: (s) => store.get(s),
      put: (s, c) => store.put(s, c),
      delete: (s) => store.delete(s),
    };
  }
  if (kind === 'file') {
    const store = new FileStore(credentialsFile(ctx.configDir));
    return {
      kind,
      where: `the file ${store.file}`,
      warning: FILE_STORE_WARNING,
      probe: async () => undefined,
      get: (s) => store.get(s),
      put: (s, c) => store.put(s, c),
      delete: (s) => store.delete(s),
    };
  }
  const docker = new DockerConfigStore({ env: ctx.env });
  const helper = await docker.helperFor(registry);
  if (!helper) {
    throw new RegctlError(
      'usage',
      `--store docker needs a docker credential helper: ${docker.file} sets neither "credsStore" nor "credHelpers" for ${normalizeRegistry(registry)} ` +
        '(e.g. "credsStore": "pass", "secretservice", "osxkeychain" or "wincred"); regctl never writes passwords into config.json',
    );
  }
  return {
    kind,
    where: `${helper.program} (from ${docker.file}) under "${dockerServerKey(registry)}"`,
    probe: async () => {
      await helper.list();
    },
    get: (s) => helper.getKey(dockerServerKey(s)),
    put: (s, c) => helper.put(s, c),
    delete: (s) => helper.delete(s),
  };
}
