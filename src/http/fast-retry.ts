import type { RetrySettings } from './connections.js';
import { isTransientNetworkError } from './errors.js';
import type { FastClient, FastResponse } from './fast-client.js';
import { redactUrl } from './redact.js';
import type { Hop } from './redirect.js';
import { retryAfterMs } from './retry-notice.js';
import { discard } from '../util/discard.js';
import { Readable } from 'node:stream';

/** Answers retried, as undici's retry interceptor is set up for the same requests (src/http/dispatcher.ts). */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

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
  const maxTimeout = settings.maxTimeout ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    let res: FastResponse | undefined;
    let reason: string;
    let after: number | undefined;
    try {
      res = await fast.request(hop, signal);
      if (!res) return undefined;
      if (!RETRY_STATUSES.has(res.status) || attempt > maxRetries) return whole ? await readWhole(res) : res;
      reason = `HTTP ${res.status}`;
      after = retryAfterMs(res.headers['retry-after']);
      discard(res);
    } catch (err) {
      if (attempt > maxRetries || signal?.aborted || !isTransientNetworkError(err)) throw err;
      reason = codeOf(err) ?? (err as Error).message;
    }
    const delayMs = after !== undefined && after > 0 ? Math.min(after, maxTimeout) : Math.min((settings.minTimeout ?? 500) * 2 ** (attempt - 1), maxTimeout);
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

/** Bytes of an answer read whole; a longer one is handed on as a stream (its reader refuses it). */
const WHOLE_LIMIT = 4 * 1024 * 1024;

/** Reads `res`'s body into memory (it is small: the caller said so) so a failure mid-body is a failure of the request. */
async function readWhole(res: FastResponse): Promise<FastResponse | WholeResponse> {
  const length = Number(res.headers['content-length'] ?? 0);
  if (!(length <= WHOLE_LIMIT)) return res;
  const parts: Buffer[] = [];
  await res.consume((chunk) => void parts.push(Buffer.from(chunk)));
  return { status: res.status, headers: res.headers, url: res.url, body: Readable.from(parts.length ? [Buffer.concat(parts)] : [], { objectMode: false }) };
}

/** The first error code along `err`'s causes (the mapped network error keeps the socket's as its cause). */
function codeOf(err: unknown): string | undefined {
  for (let cur = err as { code?: unknown; cause?: unknown } | undefined, i = 0; cur && i < 5; cur = cur.cause as typeof cur, i++) {
    if (typeof cur.code === 'string') return cur.code;
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(
        signal?.reason instanceof Error ? signal.reason : Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
