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
): Promise<{ removed: { digest: string; size: number }[]; freedBytes: number; tempFiles: number; tempBytes: number }> {
  const result = await (await session.cache()).prune();
  if (options.json) {
    const { removed, freedBytes, tempFiles, tempBytes } = result;
    io.out(JSON.stringify({ removed, freedBytes, tempFiles, tempBytes }, null, 2));
  } else {
    for (const blob of result.removed) io.out(`Deleted: ${blob.digest}`);
    // Partial downloads and other leftovers of interrupted runs take space too.
    if (result.tempFiles > 0) io.out(`Deleted ${result.tempFiles} leftover file(s) of interrupted transfers (${humanSize(result.tempBytes)})`);
    io.out(`Total reclaimed space: ${humanSize(result.freedBytes + result.tempBytes)}`);
  }
  return result;
}
