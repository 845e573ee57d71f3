import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { sha256Digest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { deletionDisabled, sendManifestDelete } from './delete.js';
import { getManifest, putManifest } from './manifests.js';
import type { RegistryRepository } from './repository.js';

/** What deleting a tag did. */
export interface TagDeletion {
  /** The manifest the tag pointed to; it stays in the registry (other tags may use it). */
  digest: string;
  /**
   * `tag-delete`: the registry deleted the tag itself (OCI distribution-spec 1.1 `DELETE` by tag).
   * `placeholder`: the tag was pointed at a throw-away manifest, which was then deleted by digest.
   */
  method: 'tag-delete' | 'placeholder';
  /** The throw-away manifest's digest (placeholder method only). */
  placeholder?: string;
}

const EMPTY_JSON = Buffer.from('{}');
/** The OCI 1.1 empty descriptor (image-spec manifest.md "Guidance for an Empty Descriptor"). */
const EMPTY: Descriptor = { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length };

/**
 * A manifest no other tag can share: an empty config and layer, and a random annotation, so its
 * digest is new and deleting it by digest removes exactly the one tag pointed at it.
 */
export function placeholderManifest(tag: string, now: Date = new Date()): { desc: Descriptor; bytes: Buffer } {
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: EMPTY,
    layers: [EMPTY],
    annotations: {
      'io.regctl.delete.tag': tag,
      'io.regctl.delete.nonce': randomUUID(),
      [Annotation.created]: now.toISOString(),
    },
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { desc: { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}

/**
 * Removes one tag, leaving the manifest and its other tags alone. First the OCI 1.1 way, `DELETE
 * /v2/<name>/manifests/<tag>`; a registry without it (distribution 2.8 answers `400 DIGEST_INVALID`)
 * gets regclient's approach: the tag is pointed at a throw-away manifest, which is deleted by digest.
 * The shared manifest is never deleted. Missing tag: exit 3; deletion disabled: exit 1.
 */
export async function deleteTag(repo: RegistryRepository, tag: string): Promise<TagDeletion> {
  const what = `${repo.name}:${tag}`;
  const current = await repo.head(tag);
  const direct = await sendManifestDelete(repo.client, repo.repository, tag, what, what);
  if (direct.outcome === 'deleted') return { digest: current.digest, method: 'tag-delete' };
  if (direct.outcome === 'not-found') throw direct.error;

  const placeholder = placeholderManifest(tag);
  // A registry may answer 400 or 405 to a tag it will not delete, and 405 when deletion is off
  // altogether (distribution-spec). Deleting the placeholder's digest, which no registry holds yet,
  // tells the two apart without changing anything: 404 means deleting by digest works.
  const probe = await sendManifestDelete(repo.client, repo.repository, placeholder.desc.digest, what, what);
  if (probe.outcome === 'unsupported') throw deletionDisabled(repo.client, what, what, probe.error);
  if (probe.outcome === 'refused') throw probe.error;

  if (!(await repo.exists(EMPTY))) await repo.push(EMPTY, Readable.from([EMPTY_JSON]));
  await putManifest(repo.client, repo.repository, tag, placeholder.desc, placeholder.bytes, `manifest ${what}`);
  const removed = await sendManifestDelete(repo.client, repo.repository, placeholder.desc.digest, what, what);
  if (removed.outcome !== 'deleted') {
    await restoreTag(repo, tag, current.digest, what);
    if (removed.outcome === 'unsupported') throw deletionDisabled(repo.client, what, what, removed.error);
    throw removed.error.withMessage(`${removed.error.message}; the tag was put back on ${current.digest}`);
  }
  return { digest: current.digest, method: 'placeholder', placeholder: placeholder.desc.digest };
}

/** Points the tag back at the manifest it had, so a failed delete leaves it as it was. */
async function restoreTag(repo: RegistryRepository, tag: string, digest: string, what: string): Promise<void> {
  try {
    const original = await getManifest(repo.client, repo.repository, digest, `manifest ${repo.name}@${digest}`);
    await putManifest(repo.client, repo.repository, tag, original.descriptor, original.bytes, `manifest ${what}`);
  } catch (err) {
    throw new RegctlError(
      'failed',
      `deleting ${what} failed half-way: the tag now names a placeholder manifest; re-tag it with: regctl copy ${repo.name}@${digest} ${what}`,
      { cause: err, subject: what },
    );
  }
}
