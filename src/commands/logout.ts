import { normalizeRegistry } from '../ref/registry.js';
import { chosenStoreKind, openWritableStore } from '../credentials/store-select.js';
import type { StoreKind } from '../credentials/types.js';
import { RegctlError, isRegctlError } from '../errors.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';

/** What `regctl logout` was given. */
export interface LogoutOptions {
  /** Registry (default docker.io). */
  server?: string;
  /** --store: only this store. */
  store?: StoreKind;
  /** Print the result as one JSON document ({@link LogoutResult}). */
  json?: boolean;
}

/** What logout did (the `--json` document). */
export interface LogoutResult {
  registry: string;
  /** Where credentials were removed from, in words; empty when regctl had none stored. */
  removed: string[];
}

/**
 * `regctl logout`: removes what regctl stored for a registry. Without --store that is the keychain item
 * and the file-store entry, plus the docker helper's entry when the config makes "docker" the store for
 * that registry; `--store docker` erases through the helper (logging docker out too). Says when there
 * was nothing.
 */
export async function logout(session: Session, opts: LogoutOptions, io: CommandIo): Promise<LogoutResult> {
  const registry = normalizeRegistry(opts.server ?? 'docker.io');
  if (!registry) throw new RegctlError('usage', `invalid registry "${opts.server ?? ''}"`);
  const kinds: StoreKind[] = opts.store ? [opts.store] : ['keychain', 'file'];
  if (!opts.store && chosenStoreKind(undefined, session.config, registry) === 'docker') kinds.push('docker');
  const ctx = { config: session.config, configDir: session.configDir, env: session.env, ...(session.options.debug ? { debug: session.options.debug } : {}) };
  const removed: string[] = [];
  const problems: RegctlError[] = [];
  for (const kind of kinds) {
    try {
      const store = await openWritableStore(kind, registry, ctx);
      if (await store.delete(registry)) removed.push(store.where);
    } catch (err) {
      // Without --store an unreachable keychain only matters if nothing else held the credentials.
      if (opts.store || !isRegctlError(err)) throw err;
      problems.push(err);
    }
  }
  for (const where of removed) io.err(`Removed the credentials for ${registry} from ${where}`);
  if (removed.length === 0) for (const p of problems) (session.options.warn ?? io.err)(p.message);
  if (opts.json) io.out(JSON.stringify({ registry, removed }, null, 2));
  else if (removed.length > 0) io.out(`Logged out of ${registry}`);
  else io.out(`Not logged in to ${registry}: regctl had no stored credentials for it`);
  return { registry, removed };
}
