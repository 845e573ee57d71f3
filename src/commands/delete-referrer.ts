import { RegctlError } from '../errors.js';
import { fetchAll } from '../content/read-all.js';
import { referrerEntry } from '../oci/referrer-entry.js';
import { RegistryReferrers } from '../registry/registry-referrers.js';
import type { RegistryRepository } from '../registry/repository.js';

/**
 * Reads, before a manifest is deleted by digest, whether it refers to a subject (an artifact made by
 * `attach`); the function returned, run after the delete, takes it out of the subject's fallback
 * index (distribution-spec "Deleting Manifests") so no entry dangles there. A manifest that cannot
 * be read is left to the delete to report.
 */
export async function referrerCleanup(repo: RegistryRepository, digest: string): Promise<() => Promise<void>> {
  let subject;
  try {
    const desc = await repo.resolve(digest);
    subject = referrerEntry(desc, await fetchAll(repo, desc)).subject;
  } catch (err) {
    if (!(err instanceof RegctlError) || err.kind === 'auth' || err.kind === 'network') throw err;
  }
  if (!subject) return async () => undefined;
  const refersTo = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  return async () => {
    await new RegistryReferrers(repo).unindexReferrers(refersTo, [digest]);
  };
}
