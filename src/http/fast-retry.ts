import type { RetrySettings } from './connections.js';
import { deepCode, isTransientNetworkError } from './errors.js';
import type { FastClient, FastResponse } from './fast-client.js';
import { redactUrl } from './redact.js';
import type { Hop } from './redirect.js';
import { RETRY_STATUSES, retryDelayMs } from './retry-policy.js';
import { discard } from '../util/discard.js';
import { sleep } from '../util/sleep.js';
import { Readable } from 'node:stream';

/**
 * Sends a body-less GET or HEAD on the socket fast path with the retry policy undici's interceptor
 * applies to the same requests: resets and timeouts before an answer, 429 and 5xx honouring
 * `Retry-After` (capped at maxTimeout), else exponential back-off; the last answer is handed back
 * when the retries are spent. Each retry is told to `settings.onRetry` first. Resolves undefined
 * when the fast path declines the request (undici then sends it, with its own retries).
 */
export async function fastRequestRetrying(
  fast: FastClient,
  hop: Hop,
  signal: AbortSignal | undefined,
  settings: RetrySettings = {},
  whole = false,
): Promise<FastResponse | WholeResponse | undefined> {
  const maxRetries = settings.maxRetries ?? 3;
  for (let attempt = 1; ; attempt++) {
    let res: FastResponse | undefined;
    let reason: string;
    let retryAfter: string | string[] | undefined;
    try {
      res = await fast.request(hop, signal);
      if (!res) return undefined;
      if (!RETRY_STATUSES.has(res.status) || attempt > maxRetries) return whole ? await readWhole(res) : res;
      reason = `HTTP ${res.status}`;
      retryAfter = res.headers['retry-after'];
      discard(res);
    } catch (err) {
      if (attempt > maxRetries || signal?.aborted || !isTransientNetworkError(err)) throw err;
      reason = deepCode(err) ?? (err as Error).message;
    }
    const delayMs = retryDelayMs(attempt, settings, retryAfter);
    settings.onRetry?.({ method: hop.method, url: redactUrl(hop.url.toString()), attempt, maxRetries, reason, delayMs });
    await sleep(delayMs, signal);
  }
}

/** A response whose body was read whole: headers as they came, the bytes as a Readable. */
export interface WholeResponse {
  status: number;
  headers: Record<string, string | string[]>;
  url: string;
  body: Readable;
}

/** Bytes of an answer read whole; a longer one, or a chunked one of unknown length, is handed on as a stream (its reader enforces its own limit). */
const WHOLE_LIMIT = 4 * 1024 * 1024;

/** Reads `res`'s body into memory (it is small: the caller said so) so a failure mid-body is a failure of the request. */
async function readWhole(res: FastResponse): Promise<FastResponse | WholeResponse> {
  const declared = res.headers['content-length'];
  if (typeof declared !== 'string' || !(Number(declared) <= WHOLE_LIMIT)) return res;
  const parts: Buffer[] = [];
  await res.consume((chunk) => void parts.push(Buffer.from(chunk)));
  return { status: res.status, headers: res.headers, url: res.url, body: Readable.from(parts.length ? [Buffer.concat(parts)] : [], { objectMode: false }) };
}
