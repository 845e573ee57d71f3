import { RegctlError } from '../errors.js';
import { formatReference, formatRepository, parseReference } from '../ref/reference.js';
import { deleteManifestByDigest } from '../registry/delete.js';
import { deleteTag } from '../registry/tag-delete.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';
import { namingErrors } from './name-errors.js';
import { referrerCleanup } from './delete-referrer.js';

/** Options of `regctl delete`. */
export interface DeleteOptions {
  /** `REPO:TAG` (removes that tag only) or `REPO@DIGEST` (removes the manifest and every tag on it). */
  reference: string;
  /** One JSON document on stdout. */
  json?: boolean;
  /** Print nothing on success. */
  quiet?: boolean;
}

/** The `--json` document of `regctl delete` (fields are stable; new ones may be added). */
export interface DeleteResult {
  /** What was deleted, normalized: `host/repo:tag` or `host/repo@sha256:…`. */
  reference: string;
  registry: string;
  repository: string;
  /** The tag removed, or null when a manifest was deleted by digest. */
  tag: string | null;
  /** The manifest deleted, or the one the tag pointed to (which stays). */
  digest: string;
  /** `tag`: only the tag is gone; `manifest`: the manifest and every tag on it are gone. */
  deleted: 'tag' | 'manifest';
  /** `tag-delete` (OCI 1.1), `placeholder` (tag moved to a throw-away manifest, deleted), or `manifest-delete`. */
  method: 'tag-delete' | 'placeholder' | 'manifest-delete';
}

/**
 * Deletes a tag or a manifest in its registry (never a mirror). A tag goes alone: other tags of the
 * same manifest keep working. A digest deletes the manifest. Missing: exit 3; deletion disabled: exit 1.
 */
export async function deleteRemote(session: Session, options: DeleteOptions, io: CommandIo): Promise<DeleteResult> {
  const ref = parseReference(options.reference, { defaultTag: false });
  if (!ref.tag && !ref.digest) {
    throw new RegctlError('usage', `delete needs a tag or a digest: ${formatRepository(ref)}:TAG or ${formatRepository(ref)}@sha256:… (no implicit :latest)`);
  }
  const repo = session.repository(ref);
  const base = { registry: ref.registry, repository: ref.repository };
  let result: DeleteResult;
  if (ref.digest) {
    const name = `${formatRepository(ref)}@${ref.digest}`;
    // An artifact attached to an image also leaves the image's sha256-<hex> fallback index.
    const cleanup = await namingErrors(name, () => referrerCleanup(repo, ref.digest as string));
    await namingErrors(name, () => deleteManifestByDigest(repo.client, repo.repository, ref.digest as string, `manifest ${name}`, name));
    await namingErrors(name, cleanup);
    result = { reference: name, ...base, tag: null, digest: ref.digest, deleted: 'manifest', method: 'manifest-delete' };
  } else {
    const name = formatReference(ref);
    const done = await namingErrors(name, () => deleteTag(repo, ref.tag as string));
    result = { reference: name, ...base, tag: ref.tag as string, digest: done.digest, deleted: 'tag', method: done.method };
  }
  if (options.json) io.out(JSON.stringify(result, null, 2));
  else if (!options.quiet) io.out(`${result.deleted === 'tag' ? 'Untagged' : 'Deleted'}: ${result.reference}`);
  return result;
}
