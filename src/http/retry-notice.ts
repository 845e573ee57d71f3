import type { RetryHandler } from 'undici';
import { redactUrl } from './redact.js';
import { retryDelayMs } from './retry-policy.js';

/** A retry the transport is about to make, for a progress display to say so. */
export interface RetryNotice {
  method: string;
  /** The URL that failed, redacted. */
  url: string;
  /** Which retry this is (1 for the first) and how many are allowed. */
  attempt: number;
  maxRetries: number;
  /** What failed: `HTTP 503`, `ECONNRESET`, … */
  reason: string;
  /** Time until the next attempt, in ms. */
  delayMs: number;
}

/** Receives retry notices. */
export type RetryListener = (notice: RetryNotice) => void;

interface RetryError {
  statusCode?: number;
  code?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * undici's retry decision (retry interceptor `retry` option), made the same way as its default —
 * the method, status code or error code must be retryable and retries left; the delay is the
 * server's `Retry-After` capped at `maxTimeout`, else exponential back-off — and told to
 * `listener` before the wait, so `--progress plain` can print one line per retry.
 */
export function noticingRetry(listener: RetryListener | undefined): RetryHandler.RetryCallback {
  return (err, { state, opts }, callback) => {
    const o = opts.retryOptions ?? {};
    const { statusCode, code, headers } = err as RetryError;
    const method = String(opts.method);
    if (code && code !== 'UND_ERR_REQ_RETRY' && !(o.errorCodes ?? []).includes(code)) return callback(err);
    if (o.methods && !o.methods.includes(method as never)) return callback(err);
    if (statusCode != null && o.statusCodes && !o.statusCodes.includes(statusCode)) return callback(err);
    const maxRetries = o.maxRetries ?? 5;
    if (state.counter > maxRetries) return callback(err);
    // The dispatcher sets timeoutFactor 2, the factor retryDelayMs doubles by.
    const delayMs = retryDelayMs(state.counter, o, o.retryAfter === false ? undefined : headers?.['retry-after']);
    listener?.({
      method,
      url: redactUrl(`${String(opts.origin ?? '')}${opts.path}`),
      attempt: state.counter,
      maxRetries,
      reason: statusCode != null ? `HTTP ${statusCode}` : (code ?? err.message),
      delayMs,
    });
    setTimeout(() => callback(null), delayMs);
  };
}
