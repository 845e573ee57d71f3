import { summarizeImage } from '../content/image-summary.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import { inspectResult, printInspect, type InspectResult } from './inspect.js';
import type { CommandIo } from './io.js';

/** Options of `regctl inspect --remote`. */
export interface InspectRemoteOptions {
  reference: string;
  json?: boolean;
}

/** Shows manifest, config, platforms and sizes of an image in its registry; writes nothing to the cache. */
export async function inspectRemote(session: Session, options: InspectRemoteOptions, io: CommandIo): Promise<InspectResult> {
  const ref = parseReference(options.reference);
  const source = session.source(ref);
  const { desc, summary } = await namingErrors(formatReference(ref), async () => {
    const desc = await source.resolve(ref.digest ?? ref.tag ?? 'latest');
    return { desc, summary: await summarizeImage(source, desc) };
  });
  const result = inspectResult(formatReference(ref), desc, summary);
  printInspect(result, options.json ?? false, io);
  return result;
}
