import { RegctlError } from '../errors.js';
import type { LayoutCheckResult } from '../layout/layout-check.js';
import type { Session } from '../session.js';
import { humanSize } from './format.js';
import type { CommandIo } from './io.js';

/** Options of `regctl check`. */
export interface CheckOptions {
  /** Cached images to check (names, digests or IDs); default every image and every stored blob. */
  references?: string[];
  /** Remove the damaged blobs found, so the next pull fetches them again. */
  repair?: boolean;
  json?: boolean;
}

/**
 * Verifies the cache: re-hashes blobs and walks every image (or those named) for missing, damaged
 * or mis-sized ones. Prints one line per problem and a summary; exits 1 when anything is wrong.
 */
export async function check(session: Session, options: CheckOptions, io: CommandIo): Promise<LayoutCheckResult> {
  const cache = await session.cache();
  const only = options.references?.length ? await Promise.all(options.references.map(async (r) => (await cache.find(r)).descriptor)) : undefined;
  const result = await cache.check({ ...(only ? { only } : {}), repair: !!options.repair });
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
  } else {
    for (const p of result.problems) {
      const used = p.images.length > 0 ? `${p.role} of ${p.images.join(', ')}` : 'no image uses it';
      io.out(`${p.problem}: ${p.digest} (${used})${result.removed.includes(p.digest) ? ': removed' : ''}`);
    }
    io.out(
      `checked ${result.blobs} blobs (${humanSize(result.bytes)}) of ${result.images} images: ${result.problems.length ? `${result.problems.length} damaged or missing` : 'all intact'}`,
    );
  }
  if (result.problems.length === 0) return result;
  const names = [...new Set(result.problems.flatMap((p) => p.images))];
  const next =
    names.length > 0
      ? `; pull ${names.length === 1 ? 'the image' : 'the images'} again to repair (regctl pull ${names[0]}${names.length > 1 ? ' …' : ''})`
      : '';
  const repaired = options.repair ? `, ${result.removed.length} damaged blob(s) removed` : ' (run "regctl check --repair" to remove the damaged blobs)';
  throw new RegctlError('failed', `the cache has ${result.problems.length} damaged or missing blob(s)${repaired}${next}`);
}
