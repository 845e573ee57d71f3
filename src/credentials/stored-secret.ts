import { z } from 'zod';
import type { Credential } from './types.js';

const StoredSecretSchema = z.object({
  username: z.string().optional(),
  secret: z.string().min(1),
  kind: z.enum(['password', 'identity-token']),
});

/** What regctl keeps per registry in the keychain and the file store. */
export type StoredSecret = z.infer<typeof StoredSecretSchema>;

/** The stored form of a credential: an identity token wins over a password (login keeps only one). */
export function toStoredSecret(cred: Credential): StoredSecret {
  if (cred.identityToken) return { ...(cred.username ? { username: cred.username } : {}), secret: cred.identityToken, kind: 'identity-token' };
  return { ...(cred.username ? { username: cred.username } : {}), secret: cred.password ?? '', kind: 'password' };
}

/** Back from the stored form; undefined when `value` is not one. */
export function fromStoredSecret(value: unknown): Credential | undefined {
  const parsed = StoredSecretSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { username, secret, kind } = parsed.data;
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
