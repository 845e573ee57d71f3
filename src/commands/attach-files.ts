import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { errnoCode, RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { ReferrerAnnotation } from '../oci/referrer-entry.js';

/** A media type as RFC 6838 writes one (`type/subtype`, with `+suffix` and parameters left out). */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Throws a usage error unless `value` is a media type; `flag` names the option in the message. */
export function checkMediaType(value: string, flag: string): string {
  if (!MEDIA_TYPE.test(value)) throw new RegctlError('usage', `invalid ${flag} "${value}": expected a media type such as application/vnd.example.sbom+json`);
  return value;
}

/** Media types by file name ending, longest first (what `oras attach` users write by hand). */
const BY_EXTENSION: readonly [string, string][] = [
  ['.spdx.json', 'application/spdx+json'],
  ['.cdx.json', 'application/vnd.cyclonedx+json'],
  ['.intoto.jsonl', 'application/vnd.in-toto+json'],
  ['.tar.gz', 'application/gzip'],
  ['.sarif', 'application/sarif+json'],
  ['.json', 'application/json'],
  ['.txt', 'text/plain'],
  ['.md', 'text/markdown'],
  ['.html', 'text/html'],
  ['.xml', 'application/xml'],
  ['.yaml', 'application/yaml'],
  ['.yml', 'application/yaml'],
  ['.pdf', 'application/pdf'],
  ['.pem', 'application/x-pem-file'],
  ['.tgz', 'application/gzip'],
  ['.gz', 'application/gzip'],
  ['.zip', 'application/zip'],
  ['.tar', 'application/x-tar'],
];

/** The media type of a file: `override`, else by its name's ending, else application/octet-stream. */
export function mediaTypeFor(file: string, override?: string): string {
  if (override) return override;
  const name = basename(file).toLowerCase();
  return BY_EXTENSION.find(([ext]) => name.endsWith(ext))?.[1] ?? 'application/octet-stream';
}

/** A file to attach: its path and the layer descriptor that names it. */
export interface AttachFile {
  path: string;
  descriptor: Descriptor;
}

/**
 * Describes each file as a layer: size and sha256 read by streaming it (never held in memory),
 * media type per {@link mediaTypeFor}, and its base name as `org.opencontainers.image.title`. A
 * missing or unreadable file, or two files with one base name, is a usage error naming it.
 */
export async function describeFiles(paths: readonly string[], mediaType?: string): Promise<AttachFile[]> {
  const out: AttachFile[] = [];
  const titles = new Set<string>();
  for (const path of paths) {
    const title = basename(path);
    if (titles.has(title)) throw new RegctlError('usage', `two files are named ${title}: each file's name is its title in the artifact, so names must differ`);
    titles.add(title);
    try {
      if (!(await stat(path)).isFile()) throw new RegctlError('usage', `${path} is not a regular file`);
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(path)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      out.push({
        path,
        descriptor: {
          mediaType: mediaTypeFor(path, mediaType),
          digest: `sha256:${hash.digest('hex')}`,
          size,
          annotations: { [ReferrerAnnotation.title]: title },
        },
      });
    } catch (err) {
      if (err instanceof RegctlError) throw err;
      const reason = errnoCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw new RegctlError('usage', `cannot read ${path}: ${reason}`, { cause: err });
    }
  }
  return out;
}
