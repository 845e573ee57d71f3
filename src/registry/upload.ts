import type { Readable } from 'node:stream';
import { RegctlError, RegistryError } from '../errors.js';
import { header, type TransportResponse } from '../http/transport.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { RegistryClient } from './client.js';
import { discard } from '../util/discard.js';
import { responseError } from './errors.js';
import { registryOriginUrl } from './registry-origin.js';

/**
 * Resolves an upload Location header, which may be relative or absolute (distribution-spec "Pushing
 * blobs"); one on another host is refused, since the upload's next request carries the registry's credentials.
 */
export function uploadLocation(client: RegistryClient, res: TransportResponse, requestUrl: string): string {
  const location = header(res, 'location');
  if (!location) throw new RegctlError('failed', `registry ${client.name} started an upload without a Location header`);
  return registryOriginUrl(location, res.url, requestUrl, client.name, 'an upload Location header');
}

/** Adds `digest=` to an upload URL, keeping the registry's own query parameters (its upload state). */
export function withDigest(location: string, digest: string): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/** Starts an upload session: POST /v2/<name>/blobs/uploads/ → 202 + Location. */
export async function startUpload(client: RegistryClient, repository: string, what: string): Promise<{ location: string; minChunk: number }> {
  const { res, url } = await client.request({
    method: 'POST',
    path: `/v2/${repository}/blobs/uploads/`,
    headers: { 'content-length': '0' },
    scopes: [`repository:${repository}:pull,push`],
  });
  if (res.status !== 202) throw await responseError(res, 'POST', url, what);
  discard(res);
  return { location: uploadLocation(client, res, url), minChunk: Number(header(res, 'oci-chunk-min-length') ?? '0') || 0 };
}

/** Uploads a blob in one PUT with a streamed body (monolithic, after a POST). */
export async function uploadMonolithic(client: RegistryClient, repository: string, desc: Descriptor, content: Readable, what: string): Promise<void> {
  const { location } = await startUpload(client, repository, what);
  const { res, url } = await client.request({
    method: 'PUT',
    path: withDigest(location, desc.digest),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body: content,
    scopes: [`repository:${repository}:pull,push`],
    // A body with a chunk source (a cache file, a blob being copied) may go straight to the socket.
    fast: true,
  });
  if (res.status !== 201) throw await responseError(res, 'PUT', url, what);
  discard(res);
}

/** Answers by which a registry says it will not take a blob in one PUT (a proxy's body limit, an unsupported method). */
const MONOLITHIC_REFUSALS = new Set([405, 411, 413, 415, 501]);

/**
 * True when `err` is a registry refusing a monolithic upload (e.g. 413 from a proxy with a body
 * limit), as opposed to refusing the content: a digest or size error is never retried in chunks.
 */
export function isMonolithicRefusal(err: unknown): boolean {
  if (!(err instanceof RegistryError) || err.method !== 'PUT') return false;
  if (MONOLITHIC_REFUSALS.has(err.status)) return true;
  return err.status === 400 && err.codes.includes('UNSUPPORTED');
}

/**
 * Mounts a blob from another repository of the same registry: 201 means mounted; 202 means the
 * registry started a normal upload instead, which is cancelled (false).
 */
export async function mountBlob(client: RegistryClient, repository: string, desc: Descriptor, from: string, what: string): Promise<boolean> {
  let sent;
  try {
    sent = await client.request({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`,
      headers: { 'content-length': '0' },
      scopes: [`repository:${repository}:pull,push`, `repository:${from}:pull`],
    });
  } catch (err) {
    // No pull right on the source repository: upload instead of mounting.
    if (err instanceof RegctlError && err.kind === 'auth') return false;
    throw err;
  }
  const { res, url } = sent;
  if (res.status === 201) {
    discard(res);
    return true;
  }
  if (res.status === 202) {
    discard(res);
    try {
      const del = await client.request({ method: 'DELETE', path: uploadLocation(client, res, url) });
      discard(del.res);
    } catch {
      // A session left open expires on the registry; it is not worth failing the push for.
    }
    return false;
  }
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    discard(res);
    return false;
  }
  throw await responseError(res, 'POST', url, what);
}
