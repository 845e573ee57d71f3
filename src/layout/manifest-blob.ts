import { open, stat } from 'node:fs/promises';
import type { Descriptor } from '../oci/descriptor.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';

/**
 * The descriptor of the manifest or index stored at `path` as blob `digest`, its media type read
 * from the document (or told by its shape, for a manifest written without one); undefined when the
 * file is missing, too big for a manifest, or not an image manifest or index.
 */
export async function manifestBlobDescriptor(path: string, digest: string): Promise<Descriptor | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return undefined;
  }
  if (size > MAX_MANIFEST_BYTES) return undefined;
  let doc: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; config?: unknown };
  try {
    const fh = await open(path, 'r');
    try {
      doc = JSON.parse(await fh.readFile('utf8')) as typeof doc;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || doc.schemaVersion !== 2) return undefined;
  let mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (!mediaType) {
    if (Array.isArray(doc.manifests)) mediaType = MediaType.ociIndex;
    else if (doc.config && typeof doc.config === 'object') mediaType = MediaType.ociManifest;
    else return undefined;
  }
  return { mediaType, digest, size };
}
