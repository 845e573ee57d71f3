import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { header } from '../http/transport.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { RegistryClient } from './client.js';
import { discard } from '../util/discard.js';
import { responseError } from './errors.js';
import { startUpload, uploadLocation, withDigest } from './upload.js';

/** Default bytes per PATCH when none is configured: large enough to be fast, small enough to hold in memory. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/** Options of uploadChunked(). */
export interface ChunkedUploadOptions {
  /** Bytes per PATCH; default 16 MiB, raised to the registry's `OCI-Chunk-Min-Length` when that is larger. */
  chunkSize?: number;
}

/** Gathers a stream into chunks of exactly `size` bytes (the last may be shorter); memory holds one chunk. */
async function* fixedChunks(content: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of content) {
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
    while (held + buf.length >= size) {
      const take = size - held;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts, size);
      buf = buf.subarray(take);
      parts = [];
      held = 0;
    }
    if (buf.length > 0) {
      parts.push(buf);
      held += buf.length;
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

/**
 * Uploads a blob in chunks (distribution-spec "Pushing a blob in chunks"): POST to open a session,
 * one `PATCH` per chunk with `Content-Range: start-end`, following each answer's `Location`, then
 * `PUT ?digest=` with an empty body. A chunk is held in memory (so a PATCH can be resent after a
 * 401), never the whole blob. The registry checks the digest on the final PUT.
 */
export async function uploadChunked(
  client: RegistryClient,
  repository: string,
  desc: Descriptor,
  content: Readable,
  what: string,
  options: ChunkedUploadOptions = {},
): Promise<void> {
  const scopes = [`repository:${repository}:pull,push`];
  const started = await startUpload(client, repository, what);
  let location = started.location;
  const size = Math.max(options.chunkSize ?? DEFAULT_CHUNK_SIZE, started.minChunk, 1);
  let offset = 0;
  try {
    for await (const chunk of fixedChunks(content, size)) {
      if (offset + chunk.length > desc.size)
        throw new RegctlError('integrity', `${what}: the content is larger than the ${desc.size} bytes its descriptor says`);
      const { res, url } = await client.request({
        method: 'PATCH',
        path: location,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(chunk.length),
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
        body: chunk,
        scopes,
      });
      if (res.status !== 202) throw await responseError(res, 'PATCH', url, what);
      discard(res);
      location = uploadLocation(client, res, url);
      offset += chunk.length;
      checkRange(header(res, 'range'), offset, what);
    }
    if (offset !== desc.size) throw new RegctlError('integrity', `${what}: read ${offset} bytes, expected ${desc.size}`);
    const { res, url } = await client.request({
      method: 'PUT',
      path: withDigest(location, desc.digest),
      headers: { 'content-type': 'application/octet-stream', 'content-length': '0' },
      body: Buffer.alloc(0),
      scopes,
    });
    if (res.status !== 201) throw await responseError(res, 'PUT', url, what);
    discard(res);
  } catch (err) {
    content.destroy();
    await cancelUpload(client, location);
    throw err;
  }
}

/** A registry that reports a Range other than what was sent lost data; continuing would fail at the digest check. */
function checkRange(range: string | undefined, expectedEnd: number, what: string): void {
  if (!range) return;
  const m = /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
  if (m && Number(m[1]) + 1 !== expectedEnd) {
    throw new RegctlError('failed', `${what}: the registry holds ${Number(m[1]) + 1} bytes of the upload, expected ${expectedEnd}`);
  }
}

/** Cancels an upload session (best effort: an abandoned session expires on the registry). */
async function cancelUpload(client: RegistryClient, location: string): Promise<void> {
  try {
    const { res } = await client.request({ method: 'DELETE', path: location });
    discard(res);
  } catch {
    // Nothing more to do: the original error is what the user needs to see.
  }
}
