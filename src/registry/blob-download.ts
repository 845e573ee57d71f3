import type { BlobIngest, DownloadOptions } from '../content/types.js';
import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { fetchRange, type BlobRetry, type BlobSource } from './blob-range.js';
import { fetchSplitting } from './blob-segments.js';
import type { RegistryClient } from './client.js';
import type { RetryListener } from '../http/retry-notice.js';

/** How blobs are downloaded (pull, and copy into an OCI layout). */
export interface DownloadSettings {
  /** Blobs larger than this many bytes are fetched as parallel Range segments; default 64 MiB. */
  chunkThreshold?: number;
  /** Segments of one blob in flight at once; default 4 (1: one stream per blob). */
  chunkConnections?: number;
  /** Bytes per segment request; default a quarter of the chunk threshold, at most 16 MiB. */
  segmentBytes?: number;
  /** Retries of a failing blob GET. */
  retry?: BlobRetry;
  /** Told of each retry before its wait, as the transport tells of its own (progress lines). */
  onRetry?: RetryListener;
}

/** Default of {@link DownloadSettings.chunkThreshold}. */
export const DEFAULT_CHUNK_THRESHOLD = 64 * 1024 * 1024;
const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;

/** Registries (by client) that answered a Range request with the whole blob: no parallel segments for them. */
const refusesRanges = new WeakSet<RegistryClient>();

/**
 * Downloads the blob `desc` into `ingest` and commits it: what the ingest is missing (all of it, or
 * what an interrupted run left) is fetched by Range — above the chunk threshold split into parallel
 * segments when one stream proves slow and the registry honours ranges (see {@link fetchSplitting})
 * — then size and digest are checked. When bytes kept from an
 * earlier run or parallel segments end in a digest mismatch, the blob is fetched once more from 0 in
 * one stream before the mismatch is reported.
 */
export async function downloadBlob(
  client: RegistryClient,
  repository: string,
  desc: Descriptor,
  ingest: BlobIngest,
  what: string,
  settings: DownloadSettings = {},
  options: DownloadOptions = {},
): Promise<void> {
  const src: BlobSource = {
    client,
    repository,
    desc,
    what,
    retry: settings.retry ?? {},
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(settings.onRetry ? { onRetry: settings.onRetry } : {}),
  };
  let parallel = desc.size > (settings.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD) && (settings.chunkConnections ?? 4) > 1;
  for (let attempt = 0; ; attempt++) {
    const resumed = ingest.resumed;
    const split = await fill(src, ingest, parallel, settings);
    const suspect = resumed || split;
    try {
      await ingest.commit();
      return;
    } catch (err) {
      if (attempt > 0 || !suspect || !(err instanceof RegctlError) || err.kind !== 'integrity') throw err;
      ingest.restart();
      parallel = false;
    }
  }
}

async function fill(src: BlobSource, ingest: BlobIngest, parallel: boolean, settings: DownloadSettings): Promise<boolean> {
  let used = false;
  if (parallel && !refusesRanges.has(src.client)) {
    const threshold = settings.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD;
    const segmentBytes = settings.segmentBytes ?? Math.max(256 * 1024, Math.min(MAX_SEGMENT_BYTES, Math.floor(threshold / 4)));
    const plan = { connections: settings.chunkConnections ?? 4, segmentBytes };
    used = await fetchSplitting(src, ingest, plan, () => refusesRanges.add(src.client));
  }
  // One stream for what is left: everything, or what a refused split gave back.
  for (let gap = ingest.missing()[0]; gap; gap = ingest.missing()[0]) await fetchRange(src, ingest, gap[0], gap[1]);
  return used;
}
