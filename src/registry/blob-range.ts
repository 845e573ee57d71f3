import type { BlobIngest } from '../content/types.js';
import { errnoCode, RegctlError } from '../errors.js';
import { redactUrl } from '../http/redact.js';
import type { RetryListener } from '../http/retry-notice.js';
import { RETRY_STATUSES, retryDelayMs, type BackoffSettings } from '../http/retry-policy.js';
import { sleep } from '../util/sleep.js';
import { consumeBody } from '../http/consume-body.js';
import { isTransientNetworkError } from '../http/errors.js';
import { header, type TransportResponse } from '../http/transport.js';
import type { Descriptor } from '../oci/descriptor.js';
import { discard } from '../util/discard.js';
import type { RegistryClient } from './client.js';
import { responseError } from './errors.js';

/** How often and how patiently a blob GET is tried again; times in milliseconds. */
export interface BlobRetry extends BackoffSettings {
  /** Attempts after the first that made no progress; default 3. */
  maxRetries?: number;
}

/** One blob and where to get it. */
export interface BlobSource {
  client: RegistryClient;
  repository: string;
  desc: Descriptor;
  /** "blob REGISTRY/REPO@DIGEST", for messages. */
  what: string;
  retry: BlobRetry;
  onProgress?: (held: number) => void;
  /** Told of each retry before its wait. */
  onRetry?: RetryListener;
  signal?: AbortSignal;
}

/** How one range is fetched; every field is optional. */
export interface RangeOptions {
  /** False for a segment of a parallel download: an answer with the whole blob throws {@link RangeRefused}. Default true. */
  wholeAllowed?: boolean;
  /** Told when the registry answered 206: it honours ranges. */
  onPartial?: () => void;
  /** The end may move closer while the body streams (the rest went to parallel segments): read until it. */
  end?: () => number;
  /** Told the position after each piece of body. */
  onPosition?: (pos: number) => void;
}

/** Thrown by the body's sink when the moving end was reached: the rest belongs to other segments. */
class EndReached extends Error {}

/** Thrown when a server answers a range request with the whole blob where only a range can be used. */
export class RangeRefused extends Error {
  constructor() {
    super('the registry does not honour Range requests');
    this.name = 'RangeRefused';
  }
}

/** An attempt made at least this much progress: the retry budget starts afresh (a long blob on a flaky link). */
const PROGRESS_RESETS_RETRIES = 16 * 1024 * 1024;

/** The strong validator of an answer: its ETag unless weak, else Last-Modified (RFC 9110 §13.1.5). */
export function validatorOf(res: TransportResponse): string | undefined {
  const etag = header(res, 'etag');
  if (etag && !etag.startsWith('W/')) return etag;
  return header(res, 'last-modified');
}

/** Tells the retry listener (progress lines) about the next attempt, then waits for it. */
export function pause(src: BlobSource, url: string, attempt: number, reason: string, delayMs: number): Promise<void> {
  src.onRetry?.({ method: 'GET', url: redactUrl(url), attempt, maxRetries: src.retry.maxRetries ?? 3, reason, delayMs });
  return sleep(delayMs, src.signal);
}

/** Abandons a blob body not wanted (it may be the whole blob): its connection is closed rather than read to the end. */
export function drop(res: TransportResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

/** True when a 206 answer's Content-Range is exactly [pos, stop) of a blob of `size` bytes. */
export function rangeMatches(res: TransportResponse, pos: number, stop: number, size: number): boolean {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec((header(res, 'content-range') ?? '').trim());
  return !!m && Number(m[1]) === pos && Number(m[2]) + 1 === stop && (m[3] === '*' || Number(m[3]) === size);
}

/** Milliseconds to wait before attempt `failures + 1`: Retry-After when given (capped), else exponential back-off. */
export function retryDelay(retry: BlobRetry, failures: number, res: TransportResponse | undefined): number {
  return retryDelayMs(failures, retry, res ? header(res, 'retry-after') : undefined);
}

/**
 * Fetches bytes [start, end) of a blob into `ingest` at their offsets: a GET with `Range` (and
 * `If-Range` when the held bytes' validator is known), through the fast path when it can. A body
 * that breaks off or stalls is asked for again from where it stopped; resets, 429 and 5xx are
 * retried with back-off (Retry-After honoured). An answer with the whole blob (200: Range ignored,
 * or the validator changed) restarts the ingest and fills it from 0 — or, with `wholeAllowed`
 * false (a segment of a parallel download), throws {@link RangeRefused}.
 */
export async function fetchRange(src: BlobSource, ingest: BlobIngest, start: number, end: number, options: RangeOptions = {}): Promise<void> {
  const { desc, what, retry } = src;
  const wholeAllowed = options.wholeAllowed ?? true;
  let pos = start;
  let stop = end;
  let failures = 0;
  const limit = (): number => Math.min(stop, options.end?.() ?? stop);
  for (;;) {
    if (pos >= limit()) return;
    const headers: Record<string, string> = {};
    if (pos > 0 || stop < desc.size) {
      headers['range'] = `bytes=${pos}-${stop < desc.size ? stop - 1 : ''}`;
      if (ingest.validator && ingest.held > 0) headers['if-range'] = ingest.validator;
    }
    let res: TransportResponse | undefined;
    let url = '';
    const before = pos;
    try {
      ({ res, url } = await src.client.request({
        method: 'GET',
        path: `/v2/${src.repository}/blobs/${desc.digest}`,
        headers,
        fast: true,
        retry: false,
        ...(src.signal ? { signal: src.signal } : {}),
      }));
      if (RETRY_STATUSES.has(res.status) && failures < (retry.maxRetries ?? 3)) {
        discard(res);
        failures++;
        await pause(src, url, failures, `HTTP ${res.status}`, retryDelay(retry, failures, res));
        continue;
      }
      if (res.status === 200 && headers['range']) {
        if (!wholeAllowed) {
          drop(res);
          throw new RangeRefused();
        }
        // The whole blob came back: Range ignored, or what we hold is of another version.
        ingest.restart();
        pos = 0;
        stop = desc.size;
      } else if (res.status === 206 && !rangeMatches(res, pos, stop, desc.size)) {
        // Other bytes than asked for: ranges cannot be trusted here; the whole blob, once.
        drop(res);
        if (!wholeAllowed) throw new RangeRefused();
        if (failures >= (retry.maxRetries ?? 3)) {
          throw new RegctlError(
            'failed',
            `registry ${new URL(url).host} answered a Range request for ${what} with other bytes (${header(res, 'content-range') ?? 'no Content-Range'})`,
          );
        }
        failures++;
        ingest.restart();
        pos = 0;
        stop = desc.size;
        continue;
      } else if (res.status === 416 && wholeAllowed && headers['range']) {
        discard(res);
        ingest.restart();
        pos = 0;
        stop = desc.size;
        continue;
      } else if (res.status !== 200 && res.status !== 206) {
        throw await responseError(res, 'GET', url, what);
      }
      if (res.status === 206) options.onPartial?.();
      const length = header(res, 'content-length');
      if (length !== undefined && Number(length) !== stop - pos) {
        drop(res);
        throw new RegctlError(
          'integrity',
          `registry ${new URL(url).host} sent ${length} bytes for ${what}, which is ${stop - pos} bytes${pos > 0 ? ` from offset ${pos}` : ''}`,
        );
      }
      if (pos === 0) ingest.validator = validatorOf(res);
      await consumeBody(res, (chunk) => {
        const room = limit() - pos;
        if (chunk.length > room && limit() === stop) {
          throw new RegctlError('integrity', `${what} is larger than its declared size ${desc.size}: registry ${new URL(url).host} sent more`);
        }
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        ingest.write(part, pos);
        pos += part.length;
        src.onProgress?.(ingest.held);
        options.onPosition?.(pos);
        if (part !== chunk || (pos === limit() && pos < stop)) throw new EndReached();
      }).catch((err: unknown) => {
        // The moving end was reached: the rest of this body belongs to other segments (the connection is dropped).
        if (!(err instanceof EndReached)) throw err;
      });
      if (pos >= limit()) return;
      if (pos < stop) throw new RegctlError('integrity', `${what} is truncated: registry ${new URL(url).host} ended the body at ${pos} of ${stop} bytes`);
      return;
    } catch (err) {
      if (pos >= limit()) return;
      if (!isTransientNetworkError(err)) throw err;
      if (pos - before >= PROGRESS_RESETS_RETRIES) failures = 0;
      if (failures >= (retry.maxRetries ?? 3)) throw err;
      failures++;
      const reason = errnoCode((err as { cause?: unknown }).cause) ?? (err as Error).message;
      await pause(src, url || String(src.client.host), failures, reason, retryDelay(retry, failures, undefined));
    }
  }
}
