import type { Readable } from 'node:stream';
import { RegctlError, type RegistryError } from '../errors.js';
import { readStream } from '../content/read-all.js';
import type { BlobDownloader, BlobIngest, DownloadOptions, Mounter, TagLister, Target } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest, verifyBytes } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { headBlob } from './blobs.js';
import { openBlobStream } from './blob-stream.js';
import { downloadBlob, type DownloadSettings } from './blob-download.js';
import type { RegistryClient } from './client.js';
import { bytesStream, getManifest, headManifest, putManifest } from './manifests.js';
import { forEachTagPage, listTags, type PageHandler } from './tags.js';
import { DEFAULT_CHUNK_SIZE, uploadChunked } from './chunked-upload.js';
import { isMonolithicRefusal, mountBlob, uploadMonolithic } from './upload.js';

/** How blobs are uploaded (given by push and copy; pull never uploads). */
export interface UploadPolicy {
  /** Blobs larger than this many bytes go up in chunks (PATCH); default Infinity: one streamed PUT. */
  chunkedAbove?: number;
  /** Bytes per PATCH; default 16 MiB, raised to the registry's `OCI-Chunk-Min-Length`. */
  chunkSize?: number;
  /**
   * Opens a blob's content again. A streamed body cannot be replayed, so when the registry refuses
   * a monolithic upload after reading it, the blob is re-read from its source and sent in chunks;
   * without this the refusal is an error that names the `--chunked-above` remedy.
   */
  reopen?: (desc: Descriptor) => Promise<Readable>;
}

/** Registries (by client) that refused a monolithic upload in this run: later blobs go in chunks straight away. */
const refusesMonolithic = new WeakSet<RegistryClient>();

function isManifest(desc: Descriptor): boolean {
  return isManifestMediaType(desc.mediaType) || isIndexMediaType(desc.mediaType);
}

/**
 * One repository of a registry as a Target (oras-go's remote.Repository): resolve/fetch/exists by
 * the distribution API, push by upload or manifest PUT, tag by manifest PUT, plus mounts and tag listing.
 * References are tags or digests.
 */
export class RegistryRepository implements Target, Mounter, TagLister, BlobDownloader {
  readonly client: RegistryClient;
  /** Repository path, e.g. library/node. */
  readonly repository: string;
  /** How blobs are uploaded; see UploadPolicy. */
  private readonly uploads: UploadPolicy;
  /** How blobs are downloaded; see DownloadSettings. */
  private readonly downloads: DownloadSettings;
  /** Manifests seen in this run, by digest, so a resolve and a fetch cost one GET. */
  private readonly manifests = new Map<string, Buffer>();

  constructor(client: RegistryClient, repository: string, uploads: UploadPolicy = {}, downloads: DownloadSettings = {}) {
    this.client = client;
    this.repository = repository;
    this.uploads = uploads;
    this.downloads = downloads;
  }

  /** "registry/repository" for messages. */
  get name(): string {
    return `${this.client.name}/${this.repository}`;
  }

  private what(kind: string, ref: string): string {
    return `${kind} ${this.name}${isDigest(ref) ? '@' : ':'}${ref}`;
  }

  /** GETs the manifest a tag or digest names, verifies it and remembers its bytes. */
  async resolve(reference: string): Promise<Descriptor> {
    const got = await getManifest(this.client, this.repository, reference, this.what('manifest', reference));
    this.manifests.set(got.descriptor.digest, got.bytes);
    return got.descriptor;
  }

  /** The descriptor a tag or digest names, by HEAD when the registry gives a digest (no pull counted on Docker Hub). */
  async head(reference: string): Promise<Descriptor> {
    const what = this.what('manifest', reference);
    const desc = await headManifest(this.client, this.repository, reference, what);
    if (!desc) throw new RegctlError('not-found', `${what} not found`, { subject: `${this.name}${isDigest(reference) ? '@' : ':'}${reference}` });
    if (!desc.digest || desc.size < 0) return this.resolve(reference);
    return desc;
  }

  /** Streams a blob (a chunk source a copy's upload takes straight to its socket; see openBlobStream), or a manifest's exact bytes. */
  async fetch(desc: Descriptor): Promise<Readable> {
    if (isManifest(desc)) return bytesStream(await this.manifestBytes(desc));
    return openBlobStream({
      client: this.client,
      repository: this.repository,
      desc,
      what: this.what('blob', desc.digest),
      retry: this.downloads.retry ?? {},
      ...(this.downloads.onRetry ? { onRetry: this.downloads.onRetry } : {}),
    });
  }

  /**
   * Downloads a blob into `ingest` and commits it: Range requests for what it is missing, parallel
   * segments for big blobs, bodies read on the socket fast path; see {@link downloadBlob}.
   */
  download(desc: Descriptor, ingest: BlobIngest, options?: DownloadOptions): Promise<void> {
    return downloadBlob(this.client, this.repository, desc, ingest, this.what('blob', desc.digest), this.downloads, options);
  }

  /** True when the registry has the blob or manifest. */
  async exists(desc: Descriptor): Promise<boolean> {
    if (isManifest(desc)) return (await headManifest(this.client, this.repository, desc.digest, this.what('manifest', desc.digest))) !== undefined;
    return headBlob(this.client, this.repository, desc, this.what('blob', desc.digest), [`repository:${this.repository}:pull`]);
  }

  /** Uploads a blob (streamed) or PUTs a manifest by digest; the registry checks the digest. */
  async push(desc: Descriptor, content: Readable): Promise<void> {
    if (isManifest(desc)) {
      const bytes = await readStream(content, MAX_MANIFEST_BYTES, `manifest ${desc.digest}`);
      verifyBytes(bytes, desc, `manifest ${desc.digest}`);
      await putManifest(this.client, this.repository, desc.digest, desc, bytes, this.what('manifest', desc.digest));
      this.manifests.set(desc.digest, bytes);
      return;
    }
    // Token first: a streamed body cannot be resent after a 401.
    await this.preparePush();
    const what = this.what('blob', desc.digest);
    const chunkOptions = { chunkSize: this.uploads.chunkSize ?? DEFAULT_CHUNK_SIZE };
    if (desc.size > (this.uploads.chunkedAbove ?? Infinity) || refusesMonolithic.has(this.client)) {
      await uploadChunked(this.client, this.repository, desc, content, what, chunkOptions);
      return;
    }
    try {
      await uploadMonolithic(this.client, this.repository, desc, content, what);
    } catch (err) {
      if (!isMonolithicRefusal(err)) throw err;
      content.destroy();
      refusesMonolithic.add(this.client);
      if (!this.uploads.reopen) {
        throw (err as RegistryError).withMessage(`${(err as Error).message}; the registry refuses single-request uploads: retry with --chunked-above 0`);
      }
      await uploadChunked(this.client, this.repository, desc, await this.uploads.reopen(desc), what, chunkOptions);
    }
  }

  /**
   * Asks for a `pull,push` token before anything else (SPEC §5), so one token serves the HEADs,
   * uploads and manifest PUTs of a push, and a streamed body never meets a 401.
   */
  preparePush(): Promise<void> {
    return this.client.prepare([`repository:${this.repository}:pull,push`]);
  }

  /** PUTs the manifest's bytes under a tag. */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    if (isDigest(reference)) return;
    const bytes = await this.manifestBytes(desc);
    await putManifest(this.client, this.repository, reference, desc, bytes, this.what('manifest', reference));
  }

  /** Cross-repository mount; false when the registry declines. */
  mount(desc: Descriptor, fromRepo: string): Promise<boolean> {
    return mountBlob(this.client, this.repository, desc, fromRepo, this.what('blob', desc.digest));
  }

  /** All tags, following Link pagination. */
  tags(pageSize?: number): Promise<string[]> {
    return listTags(this.client, this.repository, this.name, pageSize);
  }

  /** The tags page by page as they arrive (see {@link forEachTagPage}): memory holds one page. */
  tagPages(pageSize: number | undefined, onPage: PageHandler): Promise<void> {
    return forEachTagPage(this.client, this.repository, this.name, pageSize, onPage);
  }

  private async manifestBytes(desc: Descriptor): Promise<Buffer> {
    const cached = this.manifests.get(desc.digest);
    if (cached) return cached;
    const got = await getManifest(this.client, this.repository, desc.digest, this.what('manifest', desc.digest));
    this.manifests.set(desc.digest, got.bytes);
    return got.bytes;
  }
}
