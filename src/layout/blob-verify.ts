import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { fsError } from '../util/fs-error.js';
import { blobPath } from './blobs.js';

/** What a stored blob is, checked against its descriptor. */
export type BlobState = 'ok' | 'missing' | 'wrong size' | 'corrupt';

/** Hashes the file at `path` with the algorithm of `digest`; streams, so a layer is never held in memory. */
async function hashFile(path: string, digest: string): Promise<string> {
  const { algorithm } = parseDigest(digest);
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}

/**
 * Checks the blob `desc` in the layout at `root`: present, of the descriptor's size, and — with
 * `rehash` — hashing to its digest. A file that cannot be read for another reason than absence is
 * an error naming it.
 */
export async function blobState(root: string, desc: Pick<Descriptor, 'digest' | 'size'>, rehash: boolean): Promise<BlobState> {
  const path = blobPath(root, desc.digest);
  try {
    const s = await stat(path);
    if (!s.isFile()) return 'missing';
    if (s.size !== desc.size) return 'wrong size';
    if (!rehash) return 'ok';
    return (await hashFile(path, desc.digest)) === desc.digest ? 'ok' : 'corrupt';
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw fsError('cannot read', path, err);
  }
}
