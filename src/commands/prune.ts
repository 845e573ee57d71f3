import type { Session } from '../session.js';
import { humanSize } from './format.js';
import type { CommandIo } from './io.js';

/** Options of `regctl prune`. */
export interface PruneOptions {
  json?: boolean;
}

/** Removes every cached blob no image references and reports what it freed. */
export async function prune(
  session: Session,
  options: PruneOptions,
  io: CommandIo,
): Promise<{ removed: { digest: string; size: number }[]; freedBytes: number }> {
  const result = await (await session.cache()).prune();
  if (options.json) {
    io.out(JSON.stringify({ removed: result.removed, freedBytes: result.freedBytes }, null, 2));
  } else {
    for (const blob of result.removed) io.out(`Deleted: ${blob.digest}`);
    io.out(`Total reclaimed space: ${humanSize(result.freedBytes)}`);
  }
  return result;
}
