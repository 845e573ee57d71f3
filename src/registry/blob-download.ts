import type { BlobIngest, DownloadOptions } from '../content/types.js';
import { RegctlError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { fetchRange, RangeRefused, type BlobRetry, type BlobSource } from './blob-range.js';
import type { RegistryClient } from './client.js';

/** How blobs are downloaded (pull, and copy into an OCI layout). */
export interface DownloadSettings {
  /** Blobs of at least this many bytes are fetched as parallel Range segments; default 64 MiB. */
  chunkThreshold?: number;
  /** Segments of one blob in flight at once; default 4 (1: one stream per blob). */
  chunkConnections?: number;
  /** Bytes per segment request; default 16 MiB. */
  segmentBytes?: number;
  /** Retries of a failing blob GET. */
  retry?: BlobRetry;
}

/** Default of {@link DownloadSettings.chunkThreshold}. */
export const DEFAULT_CHUNK_THRESHOLD = 64 * 1024 * 1024;
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

/** Registries (by client) that answered a Range request with the whole blob: no parallel segments for them. */
const refusesRanges = new WeakSet<RegistryClient>();

/**
 * Downloads the blob `desc` into `ingest` and commits it: what the ingest is missing (all of it, or
 * what an interrupted run left) is fetched by Range — in parallel segments above the chunk threshold
 * when the registry honours ranges — then size and digest are checked. When bytes kept from an
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
  const src: BlobSource = { client, repository, desc, what, retry: settings.retry ?? {}, ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
  let parallel = desc.size >= (settings.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD) && (settings.chunkConnections ?? 4) > 1;
  for (let attempt = 0; ; attempt++) {
    const suspect = ingest.resumed || (parallel && !refusesRanges.has(client));
    await fill(src, ingest, parallel, settings);
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

async function fill(src: BlobSource, ingest: BlobIngest, parallel: boolean, settings: DownloadSettings): Promise<void> {
  if (parallel && !refusesRanges.has(src.client)) {
    try {
      await fetchSegments(src, ingest, settings);
      return;
    } catch (err) {
      if (!(err instanceof RangeRefused)) throw err;
      refusesRanges.add(src.client);
      ingest.restart();
    }
  }
  for (let gap = ingest.missing()[0]; gap; gap = ingest.missing()[0]) await fetchRange(src, ingest, gap[0], gap[1]);
}

/**
 * Fetches the missing bytes as segments of `segmentBytes`, `chunkConnections` at a time, each written
 * at its offset (the ingest hashes in order as the gaps close). The first segment goes alone until its
 * answer shows the registry honours ranges; a registry that does not gets the whole blob in one stream.
 */
async function fetchSegments(src: BlobSource, ingest: BlobIngest, settings: DownloadSettings): Promise<void> {
  const size = settings.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const pieces: Array<[number, number]> = [];
  for (const [a, b] of ingest.missing()) for (let at = a; at < b; at += size) pieces.push([at, Math.min(b, at + size)]);
  if (pieces.length === 0) return;
  const stop = new AbortController();
  const each: BlobSource = { ...src, signal: stop.signal };
  let confirm!: () => void;
  const confirmed = new Promise<void>((resolve) => {
    confirm = resolve;
  });
  let next = 1;
  let failure: unknown;
  const work = async (first?: [number, number]): Promise<void> => {
    if (!first) await confirmed;
    for (let piece = first ?? pieces[next++]; piece && failure === undefined; piece = pieces[next++]) {
      await fetchRange(each, ingest, piece[0], piece[1], false, confirm);
    }
  };
  const workers = [work(pieces[0]), ...Array.from({ length: Math.min(settings.chunkConnections ?? 4, pieces.length) - 1 }, () => work())];
  await Promise.all(
    workers.map((w) =>
      w.catch((err: unknown) => {
        if (failure === undefined) {
          failure = err;
          stop.abort(err);
        }
        confirm();
      }),
    ),
  );
  if (failure !== undefined) throw failure;
}
