import { Readable } from 'node:stream';
import { DigestMismatchError, RegctlError, withSubject } from '../errors.js';
import { readStream } from '../content/read-all.js';
import { header } from '../http/transport.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestLike, isDigest, sha256Digest } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest.js';
import { MANIFEST_ACCEPT } from '../oci/media-types.js';
import { discard } from '../util/discard.js';
import type { TransportResponse } from '../http/transport.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';

/** A manifest as the registry served it: descriptor and exact bytes. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

/**
 * GETs a manifest by tag or digest (distribution-spec "Pulling manifests"), refusing more than
 * 4 MiB and schema 1, and checking the digest against the reference when pinned, else against
 * Docker-Content-Digest.
 */
export async function getManifest(client: RegistryClient, repository: string, reference: string, what: string): Promise<FetchedManifest> {
  const { res, url } = await client.request({
    method: 'GET',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
    fast: 'whole',
  });
  try {
    return await readManifest(res, url, reference, what);
  } catch (err) {
    throw withSubject(err, manifestSubject(client, repository, reference));
  }
}

/** The reference a manifest request is about, as its messages (`what`) name it: `docker.io/library/node:latest`. */
function manifestSubject(client: RegistryClient, repository: string, reference: string): string {
  return `${client.name}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
}

async function readManifest(res: TransportResponse, url: string, reference: string, what: string): Promise<FetchedManifest> {
  if (res.status !== 200) throw await responseError(res, 'GET', url, what);
  const length = Number(header(res, 'content-length') ?? '0');
  if (length > MAX_MANIFEST_BYTES) {
    discard(res);
    throw new RegctlError('failed', `${what} is ${length} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`);
  }
  const bytes = await readStream(res.body, MAX_MANIFEST_BYTES, what);
  const contentType = (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
  const parsed = parseManifest(bytes, contentType, what);
  const served = header(res, 'docker-content-digest');
  let digest: string;
  if (isDigest(reference)) {
    digest = digestLike(reference, bytes);
    if (digest !== reference) throw new DigestMismatchError(reference, digest, what);
  } else if (served && isDigest(served)) {
    digest = digestLike(served, bytes);
    if (digest !== served) throw new DigestMismatchError(served, digest, `${what} (Docker-Content-Digest)`);
  } else {
    digest = sha256Digest(bytes);
  }
  return { descriptor: { mediaType: parsed.mediaType, digest, size: bytes.length }, bytes };
}

/** HEADs a manifest; the descriptor when present (digest from Docker-Content-Digest), undefined on 404. */
export async function headManifest(client: RegistryClient, repository: string, reference: string, what: string): Promise<Descriptor | undefined> {
  const { res, url } = await client.request({
    method: 'HEAD',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
    fast: 'whole',
  });
  discard(res);
  if (res.status === 404) return undefined;
  try {
    return await headAnswer(res, url, reference, what);
  } catch (err) {
    throw withSubject(err, manifestSubject(client, repository, reference));
  }
}

async function headAnswer(res: TransportResponse, url: string, reference: string, what: string): Promise<Descriptor> {
  if (res.status !== 200) throw await responseError(res, 'HEAD', url, what);
  const digest = header(res, 'docker-content-digest');
  const size = Number(header(res, 'content-length') ?? 'NaN');
  const mediaType = (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!digest || !isDigest(digest) || !Number.isFinite(size)) {
    // Some registries give no digest on HEAD; the caller falls back to GET.
    return isDigest(reference) ? { mediaType, digest: reference, size: Number.isFinite(size) ? size : -1 } : { mediaType, digest: '', size: -1 };
  }
  if (isDigest(reference) && digest !== reference) throw new DigestMismatchError(reference, digest, what);
  return { mediaType, digest, size };
}

/**
 * PUTs manifest bytes under a tag or digest; the registry must answer 201. Resolves with the
 * `OCI-Subject` header, which a registry with the referrers API sends for a manifest with a subject.
 */
export async function putManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  desc: Descriptor,
  bytes: Buffer,
  what: string,
): Promise<string | undefined> {
  const { res, url } = await client.request({
    method: 'PUT',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': desc.mediaType, 'content-length': String(bytes.length) },
    body: bytes,
    scopes: [`repository:${repository}:pull,push`],
  });
  try {
    if (res.status !== 201 && res.status !== 200) throw await responseError(res, 'PUT', url, what);
    discard(res);
    const served = header(res, 'docker-content-digest');
    if (served && isDigest(served) && served !== desc.digest) throw new DigestMismatchError(desc.digest, served, `${what} (registry)`);
    return header(res, 'oci-subject');
  } catch (err) {
    throw withSubject(err, manifestSubject(client, repository, reference));
  }
}

/** Wraps bytes already in memory as a stream, for Fetcher.fetch of a cached manifest. */
export function bytesStream(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}
