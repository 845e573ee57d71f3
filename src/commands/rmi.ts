import { RegctlError } from '../errors.js';
import { formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { shortId } from './format.js';
import type { CommandIo } from './io.js';

/** Options of `regctl rmi`. */
export interface RmiOptions {
  references: string[];
  /** Untag every name of an image given by digest or ID, even when it has several (docker's -f); default false. */
  force?: boolean;
  /** Print the result as one JSON document ({@link RmiResult}) instead of `Untagged:` lines. */
  json?: boolean;
}

/** What rmi did (the `--json` document); errors are on stderr and in the exit code as without --json. */
export interface RmiResult {
  /** The names removed, full, in order. */
  untagged: { name: string; digest: string }[];
  /** The references that failed, with the message printed for each. */
  errors: { reference: string; error: string }[];
}

/**
 * Removes names from the cache, like `docker rmi`: by name, or by digest/ID (every name that
 * points at it). Blobs stay until `prune`. Every reference is tried; the first failure decides the exit code.
 * As in docker, a digest or ID naming an image with several names is refused without `force`.
 */
export async function rmi(session: Session, options: RmiOptions, io: CommandIo): Promise<RmiResult> {
  const cache = await session.cache();
  const result: RmiResult = { untagged: [], errors: [] };
  let firstError: RegctlError | undefined;
  for (const input of options.references) {
    try {
      const found = await cache.find(input);
      const names = found.name ? [found.name] : await cache.namesOf(found.descriptor.digest);
      if (!found.name && names.length > 1 && !options.force && !singleReference(names)) {
        throw new RegctlError(
          'failed',
          `conflict: unable to delete ${shortId(found.descriptor.digest)} (must be forced) - image is referenced in multiple repositories`,
        );
      }
      for (const name of names) {
        await cache.untag(name);
        result.untagged.push({ name, digest: found.descriptor.digest });
        if (!options.json) io.out(`Untagged: ${name}`);
      }
    } catch (err) {
      if (!(err instanceof RegctlError)) throw err;
      io.err(`Error: ${err.message}`);
      result.errors.push({ reference: input, error: err.message });
      firstError ??= err;
    }
  }
  if (options.json) io.out(JSON.stringify(result, null, 2));
  if (firstError instanceof RegctlError) {
    firstError.reported = true;
    throw firstError;
  }
  return result;
}

/** docker's isSingleReference: at most one tag, and every name (digest-pinned ones too) in one repository. */
function singleReference(names: string[]): boolean {
  try {
    const refs = names.map((n) => parseReference(n));
    return refs.filter((r) => !r.digest).length <= 1 && new Set(refs.map((r) => formatRepository(r))).size <= 1;
  } catch {
    return false; // a name another tool wrote that is no reference: more than one name, so must be forced
  }
}
