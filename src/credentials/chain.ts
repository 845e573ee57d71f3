import { isEmptyCredential, type CredentialFunction, type CredentialStore } from './types.js';

/**
 * A credential function that asks each store in order and returns the first non-empty answer
 * (SPEC §5: flags → environment → keychain → Docker config). Store errors propagate.
 */
export function createCredentialFunction(stores: readonly CredentialStore[]): CredentialFunction {
  return async (registry) => {
    for (const store of stores) {
      const cred = await store.get(registry);
      if (!isEmptyCredential(cred)) return cred;
    }
    return undefined;
  };
}

/** A store holding one fixed credential for every registry (command-line flags). */
export function staticStore(cred: { username?: string; password?: string; identityToken?: string } | undefined): CredentialStore {
  return { get: async () => (isEmptyCredential(cred) ? undefined : { ...cred }) };
}
