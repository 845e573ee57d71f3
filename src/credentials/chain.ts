import { isEmptyCredential, type CredentialFunction, type CredentialStore } from './types.js';

/**
 * A credential function that asks each store in order and returns the first non-empty answer
 * (SPEC §5: flags → environment → keychain → file store → Docker config → containers auth file). Store errors propagate.
 */
export function createCredentialFunction(stores: readonly CredentialStore[]): CredentialFunction {
  return async (registry, repository) => {
    for (const store of stores) {
      const cred = await store.get(registry, repository);
      if (!isEmptyCredential(cred)) return cred;
    }
    return undefined;
  };
}

/** A store holding one fixed credential for every registry (command-line flags). */
export function staticStore(cred: { username?: string; password?: string; identityToken?: string } | undefined): CredentialStore {
  return { get: async () => (isEmptyCredential(cred) ? undefined : { ...cred }) };
}
