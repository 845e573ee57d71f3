import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReferrersSource } from '../content/referrers.js';
import type { Target } from '../content/types.js';
import { RegctlError } from '../errors.js';
import { LayoutStore } from '../layout/layout-store.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { sha256Digest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { EMPTY_DESCRIPTOR, EMPTY_JSON, ReferrerAnnotation, referrerEntry, referrersTag } from '../oci/referrer-entry.js';
import { formatLocation, parseLocation, type Location } from '../ref/location.js';
import { formatRepository } from '../ref/reference.js';
import { putManifest } from '../registry/manifests.js';
import type { Session } from '../session.js';
import { checkMediaType, describeFiles, type AttachFile } from './attach-files.js';
import type { CommandIo } from './io.js';
import { namingErrors } from './name-errors.js';
import { referrersOf } from './referrer-ends.js';

/** Options of `regctl attach`. */
export interface AttachOptions {
  /** The subject: a registry reference or `oci:DIR:REF`. */
  reference: string;
  /** `--artifact-type`: the artifact's type, e.g. application/spdx+json. */
  artifactType: string;
  /** Files to attach, one layer each; none gives the empty layer. */
  files: string[];
  /** `--annotation K=V` on the artifact manifest. */
  annotations?: string[];
  /** `--media-type`: every file's layer media type; default by file name ending. */
  mediaType?: string;
  json?: boolean;
  quiet?: boolean;
}

/** What attach pushed (also the `--json` document). */
export interface AttachResult {
  /** The artifact manifest's digest, media type and size. */
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string;
  /** The subject as given and the digest it names. */
  subject: { reference: string; digest: string; mediaType: string; size: number };
  /** How the artifact is found from its subject: the registry's referrers API, or the fallback tag. */
  indexedBy: ReferrersSource;
  files: { name: string; digest: string; size: number; mediaType: string }[];
}

/** Parses `K=V` annotations; a missing `=` or key is a usage error. */
export function parseAnnotations(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new RegctlError('usage', `invalid annotation "${kv}": expected KEY=VALUE`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/**
 * Pushes an artifact whose `subject` is REF's manifest, as `oras attach` does (image-spec 1.1
 * "artifacts"): the files as layers (streamed), the empty config, and an image manifest with
 * `artifactType`; then, unless the registry answered the manifest PUT with `OCI-Subject` (or has
 * the referrers API), adds it to the subject's `sha256-<hex>` fallback index. Prints its digest.
 */
export async function attach(session: Session, options: AttachOptions, io: CommandIo): Promise<AttachResult> {
  const artifactType = checkMediaType(options.artifactType, '--artifact-type');
  const mediaType = options.mediaType === undefined ? undefined : checkMediaType(options.mediaType, '--media-type');
  const annotations = parseAnnotations(options.annotations ?? []);
  annotations[Annotation.created] ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const files = await describeFiles(options.files, mediaType);
  const location = parseLocation(options.reference);
  const shown = formatLocation(location);
  return namingErrors(shown, async () => {
    const { target, subject } = await openSubject(session, location, files);
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType,
      config: EMPTY_DESCRIPTOR,
      layers: files.length > 0 ? files.map((f) => f.descriptor) : [EMPTY_DESCRIPTOR],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    };
    if (!(await target.exists(EMPTY_DESCRIPTOR))) await target.push(EMPTY_DESCRIPTOR, Readable.from([EMPTY_JSON]));
    for (const f of files) {
      if (await target.exists(f.descriptor)) continue;
      if (!options.quiet) io.status(`${f.descriptor.digest.slice(7, 19)}: Pushing ${f.descriptor.annotations?.[ReferrerAnnotation.title] ?? f.path}`);
      await target.push(f.descriptor, createReadStream(f.path));
    }
    const bytes = Buffer.from(JSON.stringify(manifest));
    const desc: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length };
    let acknowledged = false;
    if (location.kind === 'registry') {
      const repo = session.repository(location.ref);
      const answered = await putManifest(repo.client, repo.repository, desc.digest, desc, bytes, `artifact ${repo.name}@${desc.digest}`);
      acknowledged = answered === subject.digest;
    } else {
      await target.push(desc, Readable.from([bytes]));
    }
    const indexedBy = await referrersOf(target).indexReferrers(subject, [referrerEntry(desc, bytes).descriptor], acknowledged);
    const result: AttachResult = {
      digest: desc.digest,
      mediaType: desc.mediaType,
      size: desc.size,
      artifactType,
      subject: { reference: shown, digest: subject.digest, mediaType: subject.mediaType, size: subject.size },
      indexedBy,
      files: files.map((f) => ({
        name: f.descriptor.annotations?.[ReferrerAnnotation.title] ?? f.path,
        digest: f.descriptor.digest,
        size: f.descriptor.size,
        mediaType: f.descriptor.mediaType,
      })),
    };
    if (!options.quiet && !options.json) {
      const where = location.kind === 'registry' ? formatRepository(location.ref) : `oci:${location.dir}`;
      io.status(
        `Attached ${artifactType} to ${where}@${subject.digest}${indexedBy === 'api' ? ' (the registry indexes it: referrers API)' : ` (fallback tag ${referrersTag(subject.digest)} updated)`}`,
      );
    }
    io.out(options.json ? JSON.stringify(result, null, 2) : desc.digest);
    return result;
  });
}

/** The target to push to and the subject's descriptor; a registry is readied for a streamed push. */
async function openSubject(session: Session, location: Location, files: readonly AttachFile[]): Promise<{ target: Target; subject: Descriptor }> {
  if (location.kind === 'oci') {
    if (location.ref === undefined) throw new RegctlError('usage', `name the subject inside the layout: oci:${location.dir}:REF`);
    const store = await LayoutStore.open(location.dir, { create: false });
    const found = await store.resolve(location.ref);
    return { target: store, subject: { mediaType: found.mediaType, digest: found.digest, size: found.size } };
  }
  // A registry refusing a one-request upload gets the file again, in chunks.
  const byDigest = new Map(files.map((f) => [f.descriptor.digest, f.path]));
  const repo = session.repository(location.ref, { reopen: async (d) => createReadStream(byDigest.get(d.digest) ?? '') });
  await repo.preparePush();
  const subject = await repo.head(location.ref.digest ?? location.ref.tag ?? 'latest');
  return { target: repo, subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } };
}
