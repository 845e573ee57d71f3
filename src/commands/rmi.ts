import { RegctlError } from '../errors.js';
import type { Session } from '../session.js';
import { resolveLocal } from './resolve-local.js';
import type { CommandIo } from './io.js';

/** Options of `regctl rmi`. */
export interface RmiOptions {
  references: string[];
}

/**
 * Removes names from the cache, like `docker rmi`: by name, or by digest/ID (every name that
 * points at it). Blobs stay until `prune`. Every reference is tried; the first failure decides the exit code.
 */
export async function rmi(session: Session, options: RmiOptions, io: CommandIo): Promise<void> {
  const store = await session.cache();
  let firstError: RegctlError | undefined;
  for (const input of options.references) {
    try {
      const found = await resolveLocal(store, input);
      const names = found.name
        ? [found.name]
        : (await store.list())
            .filter((d) => d.digest === found.descriptor.digest)
            .map((d) => d.annotations?.['org.opencontainers.image.ref.name'])
            .filter((n): n is string => !!n);
      for (const name of names) {
        await store.untag(name);
        io.out(`Untagged: ${name}`);
      }
    } catch (err) {
      if (!(err instanceof RegctlError)) throw err;
      io.err(`Error: ${err.message}`);
      firstError ??= err;
    }
  }
  if (firstError instanceof RegctlError) {
    firstError.reported = true;
    throw firstError;
  }
}
