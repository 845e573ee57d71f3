/** A credential for one registry: a username and password, or an identity (refresh) token. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's "identitytoken"); used with the token endpoint's POST form. */
  identityToken?: string;
}

/** A place credentials are kept; put and delete are optional (read-only stores omit them). */
export interface CredentialStore {
  /**
   * The credential for `server` (a registry host such as "docker.io" or "localhost:5000"), if any.
   * `repository` (e.g. "team/app") is given when the request names one; stores keyed by host ignore it.
   */
  get(server: string, repository?: string): Promise<Credential | undefined>;
  /** Stores a credential for `server`. */
  put?(server: string, cred: Credential): Promise<void>;
  /** Removes the credential for `server`; true when there was one. */
  delete?(server: string): Promise<boolean>;
}

/**
 * Looks up the credential for a registry host (and, when known, the repository the request is for, so
 * namespace-keyed entries can match); what the auth layer receives (never a store).
 */
export type CredentialFunction = (registry: string, repository?: string) => Promise<Credential | undefined>;

/** True when the credential carries nothing usable. */
export function isEmptyCredential(cred: Credential | undefined): boolean {
  return !cred || (!cred.identityToken && !cred.password && !cred.username);
}

/** The store kinds `login` can write to, for flag validation. */
export const STORE_KINDS = ['keychain', 'docker', 'file'] as const;

/** Where `login` can keep credentials. */
export type StoreKind = (typeof STORE_KINDS)[number];
