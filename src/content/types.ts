import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.js';

/** Reads content by descriptor. The stream is raw: callers verify it (see oci/digest.ts). */
export interface Fetcher {
  /** Opens the content named by `desc`; rejects with a not-found RegctlError when absent. */
  fetch(desc: Descriptor): Promise<Readable>;
}

/** Optional: a backend that reads small content (a manifest, a config) whole, cheaper than through a stream. */
export interface SmallReader {
  /** The bytes of `desc`, unverified (as fetch's stream); rejects with not-found when absent. Callers bound `desc.size`. */
  readSmall(desc: Descriptor): Promise<Buffer>;
}

/** True when the value implements SmallReader. */
export function isSmallReader(value: unknown): value is SmallReader {
  return typeof (value as Partial<SmallReader> | null)?.readSmall === 'function';
}

/** Writes content; implementations verify size and digest before the content is named. */
export interface Pusher {
  /** Stores `content` as `desc`; rejects (and keeps nothing) when the bytes do not match. */
  push(desc: Descriptor, content: Readable): Promise<void>;
}

/** Answers whether content is already present. */
export interface Exister {
  /** True when the content named by `desc` is stored and complete. */
  exists(desc: Descriptor): Promise<boolean>;
}

/** Turns a reference (a tag, a digest, or a full name: each backend says which) into a descriptor. */
export interface Resolver {
  /** The descriptor of the manifest `reference` names; rejects with not-found when unknown. */
  resolve(reference: string): Promise<Descriptor>;
}

/** Gives a manifest a name. */
export interface Tagger {
  /** Points `reference` at the manifest `desc` (which must already be stored), moving the name if it exists. */
  tag(desc: Descriptor, reference: string): Promise<void>;
}

/** Everything the generic copy needs from either end (oras-go's Target). */
export interface Target extends Fetcher, Pusher, Exister, Resolver, Tagger {}

/** Optional: a backend that can make a blob appear without moving its bytes (cross-repository mount). */
export interface Mounter {
  /** Mounts `desc` from repository `fromRepo` of the same registry; false when the registry refused. */
  mount(desc: Descriptor, fromRepo: string): Promise<boolean>;
}

/** Optional: a backend that lists its tags. */
export interface TagLister {
  /** All tags, in the order the backend returns them. */
  tags(): Promise<string[]>;
}

/** Progress events emitted by copy (ARCHITECTURE.md "Progress is data"). */
export type CopyEvent =
  /** A blob of the image being copied, before any work on it (a display shows it as waiting). */
  | { type: 'queued'; desc: Descriptor }
  | { type: 'start'; desc: Descriptor }
  | { type: 'progress'; desc: Descriptor; bytes: number }
  | { type: 'skip'; desc: Descriptor }
  | { type: 'mount'; desc: Descriptor; from: string }
  | { type: 'done'; desc: Descriptor }
  /** A non-distributable (foreign) layer left where it is: the manifest keeps its urls. */
  | { type: 'foreign'; desc: Descriptor };

/** Receives copy events. */
export type CopyListener = (event: CopyEvent) => void;

/** True when the value implements Mounter. */
export function isMounter(value: unknown): value is Mounter {
  return typeof (value as Partial<Mounter> | null)?.mount === 'function';
}

/**
 * A blob being written into a store piece by piece (containerd's ingest): positional writes, the
 * digest computed in order as the held prefix grows, and — in a store that keeps partial blobs —
 * what was held kept for the next run when the transfer stops early.
 */
export interface BlobIngest {
  /** The blob being written. */
  readonly desc: Descriptor;
  /** Bytes held so far (for progress). */
  readonly held: number;
  /** True when held bytes were kept from an earlier run: only the final digest checks them all. */
  readonly resumed: boolean;
  /** The validator (strong ETag, else Last-Modified) of the answer the held bytes came from; set by the writer. */
  validator: string | undefined;
  /** The byte ranges still missing, in order, as [start, end) pairs; [[0, size]] when nothing is held. */
  missing(): Array<[number, number]>;
  /**
   * Writes `chunk` at `position` before returning (the caller may reuse its buffer afterwards).
   * Throws a RegctlError: bytes past the blob's size (integrity), a full or failing disk.
   */
  write(chunk: Uint8Array, position: number): void;
  /** Forgets every held byte; writing starts again at 0 (the server ignored Range, or its validator changed). */
  restart(): void;
  /** Checks size and digest, makes the bytes durable and names the blob; a mismatch throws and leaves the ingest open. */
  commit(): Promise<void>;
  /** Stops writing: keeps what is held for a later run, or drops it all with `discard`. Does nothing after commit. */
  close(discard?: boolean): Promise<void>;
}

/** Optional: a store that takes blobs as {@link BlobIngest}s (resumable, positional). */
export interface Ingester {
  /** Starts (or resumes) writing the blob `desc`, which the store does not hold yet. */
  ingest(desc: Descriptor): Promise<BlobIngest>;
}

/** Options of {@link BlobDownloader.download}. */
export interface DownloadOptions {
  /** Told the bytes held, as they grow. */
  onProgress?: (held: number) => void;
}

/** Optional: a source that fills an ingest itself — ranges, parallel segments, retries that resume — and commits it. */
export interface BlobDownloader {
  /** Fetches what `ingest` is missing of the blob `desc` and commits it; the caller closes the ingest when this fails. */
  download(desc: Descriptor, ingest: BlobIngest, options?: DownloadOptions): Promise<void>;
}

/** True when the value implements Ingester. */
export function isIngester(value: unknown): value is Ingester {
  return typeof (value as Partial<Ingester> | null)?.ingest === 'function';
}

/** True when the value implements BlobDownloader. */
export function isBlobDownloader(value: unknown): value is BlobDownloader {
  return typeof (value as Partial<BlobDownloader> | null)?.download === 'function';
}
