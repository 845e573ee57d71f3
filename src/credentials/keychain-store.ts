import { RegctlError } from '../errors.js';
import { normalizeRegistry } from '../ref/registry.js';
import { decodeStoredSecret, encodeStoredSecret } from './stored-secret.js';
import type { Credential, CredentialStore } from './types.js';

/** The keychain service name every regctl item is filed under. */
export const KEYCHAIN_SERVICE = 'regctl';

/** The part of @napi-rs/keyring's AsyncEntry this store uses (a seam for tests). */
export interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deleteCredential(): Promise<boolean>;
}

/** Makes the entry for one account; throws when no keychain can be reached. */
export type KeyringEntryFactory = (service: string, account: string) => Promise<KeyringEntry>;

/** Options of KeychainStore. */
export interface KeychainStoreOptions {
  /** Service name; default "regctl". */
  service?: string;
  /** Node's platform name; default process.platform. */
  platform?: string;
  /** Where a failed read is reported (--debug); lookups never fail because of the keychain. */
  debug?: (line: string) => void;
  /** Replaces the native module (tests). */
  entryFactory?: KeyringEntryFactory;
}

/** Loads the native module only when credentials are needed, so other commands never pay for it. */
function nativeFactory(platform: string): KeyringEntryFactory {
  return async (service, account) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    // On Linux the library silently falls back to the kernel keyring, which loses items on reboot
    // and is invisible to other sessions: only the Secret Service is acceptable.
    const options = platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
    return new AsyncEntry(service, account, options);
  };
}

/** A short reason from a keyring error, without anything but the library's own words. */
function reasonOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|DBus error/i.test(msg)) return 'no D-Bus session bus is reachable (DBUS_SESSION_BUS_ADDRESS is not set or dead)';
  if (/no result found|locked|prompt/i.test(msg)) return 'no unlocked Secret Service keyring is available';
  return msg.split('\n')[0]!.slice(0, 200);
}

/** The error login reports when the keychain cannot hold credentials; it names the other choices. */
export function keychainUnavailable(err: unknown, action: 'store' | 'remove' = 'store'): RegctlError {
  if (action === 'remove') return new RegctlError('failed', `the OS keychain is not available: ${reasonOf(err)}; nothing was removed from it`, { cause: err });
  return new RegctlError(
    'failed',
    `the OS keychain is not available: ${reasonOf(err)}. Nothing was stored. Choose one of: ` +
      '--store file (a file only you can read, not encrypted); ' +
      '--store docker (the docker-credential helper named in Docker\'s config.json, e.g. "credsStore": "pass"); ' +
      'REGCTL_USERNAME/REGCTL_PASSWORD with REGCTL_REGISTRY naming the registry (CI); ' +
      'or start a Secret Service (e.g. gnome-keyring) in a D-Bus session.',
    { cause: err },
  );
}

/**
 * Credentials in the OS keychain through @napi-rs/keyring (macOS Keychain, Windows Credential Manager,
 * Secret Service on Linux): one item per registry, service "regctl", account = the normalized registry,
 * secret = JSON {username, secret, kind}. Reads never throw (an unreachable keychain holds nothing);
 * writes throw keychainUnavailable().
 */
export class KeychainStore implements CredentialStore {
  readonly #service: string;
  readonly #factory: KeyringEntryFactory;
  readonly #debug: ((line: string) => void) | undefined;
  readonly #cache = new Map<string, Promise<Credential | undefined>>();

  /** Touches nothing until the first call. */
  constructor(options: KeychainStoreOptions = {}) {
    this.#service = options.service ?? KEYCHAIN_SERVICE;
    this.#factory = options.entryFactory ?? nativeFactory(options.platform ?? process.platform);
    this.#debug = options.debug;
  }

  /** The account name an item for `server` is filed under ("docker.io", "localhost:5000"). */
  static account(server: string): string {
    return normalizeRegistry(server);
  }

  /** Throws keychainUnavailable() when the keychain cannot be reached at all (checked before login prompts). */
  async probe(): Promise<void> {
    try {
      const entry = await this.#factory(this.#service, '.regctl-probe');
      await entry.getPassword();
    } catch (err) {
      throw keychainUnavailable(err);
    }
  }

  /** The stored credential, or undefined (also when the keychain is unreachable; said under --debug). */
  get(server: string): Promise<Credential | undefined> {
    const account = KeychainStore.account(server);
    let p = this.#cache.get(account);
    if (!p) {
      p = this.#read(account);
      this.#cache.set(account, p);
    }
    return p;
  }

  async #read(account: string): Promise<Credential | undefined> {
    let text: string | null;
    try {
      text = await (await this.#factory(this.#service, account)).getPassword();
    } catch (err) {
      this.#debug?.(`keychain: not consulted for ${account}: ${reasonOf(err)}`);
      return undefined;
    }
    if (text === null) return undefined;
    const cred = decodeStoredSecret(text);
    if (!cred) this.#debug?.(`keychain: the item for ${account} is not in regctl's format; ignored`);
    return cred;
  }

  /** Stores (or replaces) the item for `server`; throws keychainUnavailable() when that is impossible. */
  async put(server: string, cred: Credential): Promise<void> {
    const account = KeychainStore.account(server);
    try {
      await (await this.#factory(this.#service, account)).setPassword(encodeStoredSecret(cred));
    } catch (err) {
      throw keychainUnavailable(err);
    }
    this.#cache.delete(account);
  }

  /** Removes the item for `server`; false when there was none. */
  async delete(server: string): Promise<boolean> {
    const account = KeychainStore.account(server);
    this.#cache.delete(account);
    try {
      return await (await this.#factory(this.#service, account)).deleteCredential();
    } catch (err) {
      throw keychainUnavailable(err, 'remove');
    }
  }
}
