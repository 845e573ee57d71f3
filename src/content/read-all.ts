import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { verifyBytes } from '../oci/digest.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isSmallReader, type Fetcher } from './types.js';

/** Reads a whole stream into memory, refusing more than `limit` bytes (for manifests and configs only). */
export async function readStream(stream: Readable, limit: number, what = 'content'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > limit) {
      stream.destroy();
      throw new RegctlError('failed', `${what} is larger than the ${limit}-byte limit`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Fetches small content (a manifest or config) fully and verifies its size and digest. */
export async function fetchAll(fetcher: Fetcher, desc: Descriptor, limit = 4 * 1024 * 1024, what = 'content'): Promise<Buffer> {
  if (desc.size > limit) throw new RegctlError('failed', `${what} ${desc.digest} is ${desc.size} bytes, over the ${limit}-byte limit`);
  const bytes = isSmallReader(fetcher) ? await fetcher.readSmall(desc) : await readStream(await fetcher.fetch(desc), limit, what);
  verifyBytes(bytes, desc, what);
  return bytes;
}
