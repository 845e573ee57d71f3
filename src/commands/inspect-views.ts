import { RegctlError } from '../errors.js';
import { summarizeImage, type ImageDetail, type ImageSummary } from '../content/image-summary.js';
import { fetchAll } from '../content/read-all.js';
import type { Fetcher } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../oci/platform.js';
import { inspectDocument, INSPECT_FORMAT } from './inspect-document.js';
import type { CommandIo } from './io.js';
import { OutputFormat } from './template/output-format.js';

/** The views of `inspect` beyond its summary: exact manifest bytes, the config blob, a Go template. */
export interface InspectViewOptions {
  /** The manifest's (or index's) exact bytes on stdout. */
  raw?: boolean;
  /** The image config blob, pretty-printed JSON. */
  config?: boolean;
  /** docker's Go-template subset over docker's inspect field names. */
  format?: string;
  /** Which image of an index --config and --format describe; default this host's, else the first present. */
  platform?: string;
  json?: boolean;
}

/** Checks the view flags before anything is read: at most one view, and a template that parses (exit 2). */
export function checkInspectView(options: InspectViewOptions): OutputFormat | undefined {
  const chosen = (['raw', 'config', 'format', 'json'] as const).filter((k) => options[k] !== undefined && options[k] !== false);
  if (chosen.length > 1)
    throw new RegctlError('usage', `inspect takes one of --raw, --config, --format and --json, not ${chosen.map((c) => `--${c}`).join(' and ')}`);
  if (options.platform !== undefined) parsePlatform(options.platform);
  return options.format !== undefined ? new OutputFormat(options.format, INSPECT_FORMAT.headers, INSPECT_FORMAT.defaultTable) : undefined;
}

/** Where the image was found and what else names it, for the view. */
export interface InspectSubject {
  fetcher: Fetcher;
  descriptor: Descriptor;
  /** The name asked for (null when found by digest or ID). */
  name: string | null;
  /** Every name of the image (docker's RepoTags) and `repo@digest` forms (RepoDigests). */
  repoTags: string[];
  repoDigests: string[];
}

/** Prints --raw, --config or --format for a subject; false when none was asked for (the caller prints the summary). */
export async function printInspectView(
  subject: InspectSubject,
  summary: () => Promise<ImageSummary>,
  options: InspectViewOptions,
  format: OutputFormat | undefined,
  io: CommandIo,
): Promise<boolean> {
  if (options.raw) {
    const bytes = await fetchAll(subject.fetcher, subject.descriptor, MAX_MANIFEST_BYTES, 'manifest');
    // Exact bytes, no newline: `regctl inspect --raw X | sha256sum` is the digest.
    await new Promise<void>((resolve, reject) => io.stdoutStream.write(bytes, (err) => (err ? reject(err) : resolve())));
    return true;
  }
  if (!options.config && !format) return false;
  const s = await summary();
  const image = chooseImage(s, options.platform);
  if (options.config) {
    if (!image) throw noImage(s, options.platform);
    const bytes = await fetchAll(subject.fetcher, image.manifest.config, 16 * 1024 * 1024, 'image config');
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new RegctlError('failed', `image config ${image.manifest.config.digest} is not valid JSON`);
    }
    io.out(JSON.stringify(doc, null, 2));
    return true;
  }
  const doc = inspectDocument({ ...subject, summary: s, image });
  for (const line of (format as OutputFormat).render([doc])) io.out(line);
  return true;
}

/** The image of a summary a view describes: the one platform given, else this host's, else the first present. */
export function chooseImage(summary: ImageSummary, platform: string | undefined): ImageDetail | undefined {
  if (platform !== undefined) {
    const wanted = parsePlatform(platform);
    return summary.images.find((i) => platformMatches(wanted, i.platform));
  }
  const host = hostPlatform();
  return summary.images.find((i) => platformMatches(host, i.platform)) ?? summary.images[0];
}

function noImage(summary: ImageSummary, platform: string | undefined): RegctlError {
  const present = summary.images.map((i) => formatPlatform(i.platform));
  const what = platform ? `no image for platform ${platform}` : 'no image';
  return new RegctlError('not-found', `${what} in ${summary.descriptor.digest}${present.length ? `; present: ${present.join(', ')}` : ''}`);
}

/** Summarises the subject (index children present in the fetcher only when `hasChild` says so). */
export function summarize(subject: InspectSubject, hasChild?: (child: Descriptor) => Promise<boolean>): Promise<ImageSummary> {
  return summarizeImage(subject.fetcher, subject.descriptor, hasChild);
}
