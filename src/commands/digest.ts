import { formatReference, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import type { CommandIo } from './io.js';
import { DIGEST_FORMAT, outputFormat, printRows } from './row-formats.js';

/** Options of `regctl digest`. */
export interface DigestOptions {
  reference: string;
  json?: boolean;
  /** docker's Go-template subset (fields Name, Digest, MediaType, Size). */
  format?: string;
}

/** The `--json` document. */
export interface DigestResult {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
}

/**
 * Prints the digest of the manifest a reference names in its registry, from a manifest HEAD
 * (a GET only when the registry's HEAD carries no digest), so nothing is downloaded and, on
 * Docker Hub, no pull is counted. Mirrors from the config are asked first, as for every read.
 */
export async function digest(session: Session, options: DigestOptions, io: CommandIo): Promise<DigestResult> {
  const ref = parseReference(options.reference);
  const format = outputFormat(options.format, DIGEST_FORMAT);
  const desc = await namingErrors(formatReference(ref), () => session.source(ref).head(ref.digest ?? ref.tag ?? 'latest'));
  const result = { name: formatReference(ref), digest: desc.digest, mediaType: desc.mediaType, size: desc.size };
  if (format) printRows(format, [{ Name: result.name, Digest: result.digest, MediaType: result.mediaType, Size: result.size }], io);
  else io.out(options.json ? JSON.stringify(result, null, 2) : desc.digest);
  return result;
}
