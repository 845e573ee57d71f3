import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { parseDigest } from '../oci/digest.js';
import type { Checkpoint, IngestRecord } from './ingest-files.js';

/** Where a partial blob resumes: a verified checkpoint and the hash state at its offset. */
export interface Resume {
  checkpoint: Checkpoint;
  hash: Hash;
  validator: string | undefined;
}

const READ_BYTES = 1024 * 1024;

/**
 * Re-hashes a partial blob's file from its start and returns the furthest checkpoint of `record`
 * whose digest the file still matches (the bytes `written` survive a killed process, the `synced`
 * ones a power loss), or undefined when none does: then the blob starts again from 0. The ranges
 * written beyond a checkpoint are trusted only if the file reaches them; the final digest checks them.
 */
export async function resumePoint(file: string, record: IngestRecord): Promise<Resume | undefined> {
  const points = [record.synced, record.written].filter((c): c is Checkpoint => !!c).sort((a, b) => a.offset - b.offset);
  if (points.length === 0) return undefined;
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = (await fh.stat()).size;
    const hash = createHash(parseDigest(record.digest).algorithm);
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let at = 0;
    let best: Resume | undefined;
    for (const point of points) {
      if (point.offset > size || point.ranges.some(([, end]) => end > size)) break;
      while (at < point.offset) {
        const { bytesRead } = await fh.read(buffer, 0, Math.min(READ_BYTES, point.offset - at), at);
        if (bytesRead <= 0) return best;
        hash.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
      if (`${parseDigest(record.digest).algorithm}:${hash.copy().digest('hex')}` !== point.digest) break;
      best = { checkpoint: point, hash: hash.copy(), validator: record.validator };
    }
    return best;
  } finally {
    await fh.close();
  }
}
