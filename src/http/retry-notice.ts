import type { RetryHandler } from 'undici';
import { redactUrl } from './redact.js';

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

/** Milliseconds a `Retry-After` value asks for (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  const seconds = Number(v);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
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
    const maxTimeout = o.maxTimeout ?? 30_000;
    const after = o.retryAfter === false ? undefined : retryAfterMs(headers?.['retry-after']);
    const delayMs =
      after !== undefined && after > 0
        ? Math.min(after, maxTimeout)
        : Math.min((o.minTimeout ?? 500) * (o.timeoutFactor ?? 2) ** (state.counter - 1), maxTimeout);
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
