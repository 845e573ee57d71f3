import { summarizeImage } from '../content/image-summary.js';
import { formatReference, formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import { inspectResult, printInspect, type InspectResult } from './inspect.js';
import { checkInspectView, printInspectView, summarize, type InspectViewOptions } from './inspect-views.js';
import type { CommandIo } from './io.js';

/** Options of `regctl inspect --remote` (see InspectViewOptions for --raw, --config, --format, --platform). */
export interface InspectRemoteOptions extends InspectViewOptions {
  reference: string;
  json?: boolean;
}

/** Shows manifest, config, platforms and sizes of an image in its registry; writes nothing to the cache. */
export async function inspectRemote(session: Session, options: InspectRemoteOptions, io: CommandIo): Promise<InspectResult | undefined> {
  const format = checkInspectView(options);
  const ref = parseReference(options.reference);
  const source = session.source(ref);
  const name = formatReference(ref);
  const shown = await namingErrors(name, async () => {
    const desc = await source.resolve(ref.digest ?? ref.tag ?? 'latest');
    const subject = { fetcher: source, descriptor: desc, name, repoTags: ref.tag ? [name] : [], repoDigests: [`${formatRepository(ref)}@${desc.digest}`] };
    if (await printInspectView(subject, () => summarize(subject), options, format, io)) return undefined;
    return { desc, summary: await summarizeImage(source, desc) };
  });
  if (!shown) return undefined;
  const { desc, summary } = shown;
  const result = inspectResult(formatReference(ref), desc, summary);
  printInspect(result, options.json ?? false, io);
  return result;
}
