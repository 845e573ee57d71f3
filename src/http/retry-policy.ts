/** Answers worth another attempt of an idempotent request (undici's retry interceptor is set up with the same). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Back-off limits in milliseconds. */
export interface BackoffSettings {
  /** First back-off; default 500, doubled each time. */
  minTimeout?: number;
  /** Longest back-off, also the cap on Retry-After; default 30 000. */
  maxTimeout?: number;
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

/** Milliseconds before retry `attempt` (1 for the first): the server's Retry-After when positive (capped), else exponential back-off. */
export function retryDelayMs(attempt: number, settings: BackoffSettings, retryAfter?: string | string[]): number {
  const max = settings.maxTimeout ?? 30_000;
  const after = retryAfterMs(retryAfter);
  if (after !== undefined && after > 0) return Math.min(after, max);
  return Math.min((settings.minTimeout ?? 500) * 2 ** (attempt - 1), max);
}
