import type { Credential } from './types.js';

/** What regctl keeps per registry in the keychain and the file store. */
export interface StoredSecret {
  username?: string;
  secret: string;
  kind: 'password' | 'identity-token';
}

/** True when `value` is regctl's own stored form (checked by hand: regctl wrote it, and this runs on every lookup). */
function isStoredSecret(value: unknown): value is StoredSecret {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    (v['username'] === undefined || typeof v['username'] === 'string') &&
    typeof v['secret'] === 'string' &&
    v['secret'].length > 0 &&
    (v['kind'] === 'password' || v['kind'] === 'identity-token')
  );
}

/** The stored form of a credential: an identity token wins over a password (login keeps only one). */
export function toStoredSecret(cred: Credential): StoredSecret {
  if (cred.identityToken) return { ...(cred.username ? { username: cred.username } : {}), secret: cred.identityToken, kind: 'identity-token' };
  return { ...(cred.username ? { username: cred.username } : {}), secret: cred.password ?? '', kind: 'password' };
}

/** Back from the stored form; undefined when `value` is not one. */
export function fromStoredSecret(value: unknown): Credential | undefined {
  if (!isStoredSecret(value)) return undefined;
  const { username, secret, kind } = value;
  return kind === 'identity-token' ? { ...(username ? { username } : {}), identityToken: secret } : { ...(username ? { username } : {}), password: secret };
}

/** The JSON text kept as the keychain item's password. */
export function encodeStoredSecret(cred: Credential): string {
  return JSON.stringify(toStoredSecret(cred));
}

/** Parses a keychain item's password; undefined when it is not regctl's JSON (never echoes it). */
export function decodeStoredSecret(text: string): Credential | undefined {
  try {
    return fromStoredSecret(JSON.parse(text));
  } catch {
    return undefined;
  }
}
