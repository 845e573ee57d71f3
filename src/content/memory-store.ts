import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest, VerifyingTransform } from '../oci/digest.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Target } from './types.js';

/** A Target held in memory, for tests: content is verified on push; names map to descriptors. */
export class MemoryStore implements Target {
  private readonly blobs = new Map<string, { desc: Descriptor; bytes: Buffer }>();
  private readonly names = new Map<string, Descriptor>();

  /** Opens stored content; rejects with not-found when absent. */
  async fetch(desc: Descriptor): Promise<Readable> {
    const blob = this.blobs.get(desc.digest);
    if (!blob) throw new RegctlError('not-found', `blob ${desc.digest} not found in memory store`);
    return Readable.from([blob.bytes]);
  }

  /** Stores `content` after checking its size and digest; keeps nothing when they differ. */
  async push(desc: Descriptor, content: Readable): Promise<void> {
    const verify = new VerifyingTransform({ digest: desc.digest, size: desc.size, what: 'blob' });
    const chunks: Buffer[] = [];
    content.on('error', (err) => verify.destroy(err));
    content.pipe(verify);
    for await (const chunk of verify) chunks.push(chunk as Buffer);
    if (!this.blobs.has(desc.digest))
      this.blobs.set(desc.digest, { desc: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size }, bytes: Buffer.concat(chunks) });
  }

  /** Stores in-memory bytes as `desc`. */
  pushBytes(desc: Descriptor, bytes: Uint8Array): Promise<void> {
    return this.push(desc, Readable.from([Buffer.from(bytes)]));
  }

  /** True when the content is stored with the descriptor's size. */
  async exists(desc: Descriptor): Promise<boolean> {
    return this.blobs.get(desc.digest)?.bytes.length === desc.size;
  }

  /** A name given by tag(), or the digest of a stored manifest or index. */
  async resolve(reference: string): Promise<Descriptor> {
    const named = this.names.get(reference);
    if (named) return named;
    if (isDigest(reference)) {
      const blob = this.blobs.get(reference);
      if (blob && (isManifestMediaType(blob.desc.mediaType) || isIndexMediaType(blob.desc.mediaType))) return blob.desc;
    }
    throw new RegctlError('not-found', `${reference}: not found in memory store`);
  }

  /** Points `reference` at the stored manifest `desc`, moving the name when it exists. */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    if (!(await this.exists(desc))) throw new RegctlError('not-found', `cannot tag ${reference}: manifest ${desc.digest} is not stored`);
    this.names.set(reference, { ...desc });
  }

  /** Every name and the descriptor it points at. */
  list(): Map<string, Descriptor> {
    return new Map(this.names);
  }

  /** Number of stored blobs (manifests included). */
  get blobCount(): number {
    return this.blobs.size;
  }
}
