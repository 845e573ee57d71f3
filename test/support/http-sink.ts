import type { Readable } from 'node:stream';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { isIndexMediaType, isManifestMediaType } from '../../src/oci/media-types.js';
import type { ImageSink } from './random-image.js';

async function bytesOf(content: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of content) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

async function check(res: Response, what: string): Promise<void> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * Writes small images into an open (no auth) test registry with plain fetch — the distribution
 * API's monolithic upload (POST, then PUT with the digest) and manifest PUTs — independent of
 * regctl's own registry code. Fit for seeding many small images (random-image.ts builds them).
 */
export class HttpSink implements ImageSink {
  private readonly manifests = new Map<string, Buffer>();

  constructor(
    private readonly url: string,
    private readonly repository: string,
  ) {}

  /** Uploads a blob, or PUTs a manifest by digest. */
  async push(desc: Descriptor, content: Readable): Promise<void> {
    const body = await bytesOf(content);
    if (isManifestMediaType(desc.mediaType) || isIndexMediaType(desc.mediaType)) {
      this.manifests.set(desc.digest, body);
      await this.putManifest(desc, desc.digest, body);
      return;
    }
    const start = await fetch(`${this.url}/v2/${this.repository}/blobs/uploads/`, { method: 'POST' });
    await check(start, `POST upload ${desc.digest}`);
    const location = new URL(start.headers.get('location') ?? '', this.url);
    location.searchParams.set('digest', desc.digest);
    await check(await fetch(location, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } }), `PUT blob ${desc.digest}`);
  }

  /** PUTs a manifest pushed before under a tag. */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    const body = this.manifests.get(desc.digest);
    if (!body) throw new Error(`manifest ${desc.digest} was not pushed through this sink`);
    await this.putManifest(desc, reference, body);
  }

  private async putManifest(desc: Descriptor, reference: string, body: Buffer): Promise<void> {
    const res = await fetch(`${this.url}/v2/${this.repository}/manifests/${reference}`, { method: 'PUT', body, headers: { 'content-type': desc.mediaType } });
    await check(res, `PUT manifest ${reference}`);
  }
}

/** The tags an open test registry lists for a repository (sorted), or [] when it has none. */
export async function listTags(url: string, repository: string): Promise<string[]> {
  const res = await fetch(`${url}/v2/${repository}/tags/list?n=10000`);
  if (res.status === 404) return [];
  const doc = (await res.json()) as { tags?: string[] | null };
  return [...(doc.tags ?? [])].sort();
}
