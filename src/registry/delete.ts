import { RegctlError, type RegistryError, withSubject } from '../errors.js';
import { discard } from '../util/discard.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';

/** How a registry answered `DELETE /v2/<name>/manifests/<reference>`. */
export type DeleteAnswer =
  | { outcome: 'deleted' }
  | { outcome: 'not-found'; error: RegistryError }
  /** 405 or `UNSUPPORTED`: the registry does not delete this (for a digest: deletion is disabled). */
  | { outcome: 'unsupported'; error: RegistryError }
  /** Any other refusal, e.g. distribution 2.8's `400 DIGEST_INVALID` for a tag. */
  | { outcome: 'refused'; error: RegistryError };

/**
 * Sends `DELETE /v2/<name>/manifests/<reference>` (distribution-spec "Deleting tags" and "Deleting
 * manifests"): 202 is done; 404, 405/UNSUPPORTED and other refusals are answered as data so the
 * caller decides. Authentication failures and network errors throw.
 */
export async function sendManifestDelete(client: RegistryClient, repository: string, reference: string, what: string, subject: string): Promise<DeleteAnswer> {
  const { res, url } = await client.request({
    method: 'DELETE',
    path: `/v2/${repository}/manifests/${reference}`,
    // pull as well, so one token serves the HEADs around a delete (the registry checks `delete`).
    scopes: [`repository:${repository}:delete,pull`],
  });
  if (res.status === 202 || res.status === 200 || res.status === 204) {
    discard(res);
    return { outcome: 'deleted' };
  }
  const error = withSubject(await responseError(res, 'DELETE', url, what), subject) as RegistryError;
  if (error.kind === 'not-found') return { outcome: 'not-found', error };
  if (res.status === 405 || error.codes.includes('UNSUPPORTED')) return { outcome: 'unsupported', error };
  if (error.kind === 'auth' || error.kind === 'network') throw error;
  return { outcome: 'refused', error };
}

/** The exit-1 error for a registry whose manifest deletion is switched off; `what` names `subject`. */
export function deletionDisabled(client: RegistryClient, what: string, subject: string, cause: unknown): RegctlError {
  return new RegctlError(
    'failed',
    `cannot delete ${what}: deletion is disabled on registry ${client.name} (it answered 405 UNSUPPORTED; distribution needs storage.delete.enabled: true)`,
    { cause, subject },
  );
}

/** Deletes a manifest by digest; every tag pointing at it goes too. Missing is exit 3, deletion disabled exit 1. */
export async function deleteManifestByDigest(client: RegistryClient, repository: string, digest: string, what: string, subject: string): Promise<void> {
  const answer = await sendManifestDelete(client, repository, digest, what, subject);
  if (answer.outcome === 'deleted') return;
  if (answer.outcome === 'unsupported') throw deletionDisabled(client, what, subject, answer.error);
  throw answer.error;
}
