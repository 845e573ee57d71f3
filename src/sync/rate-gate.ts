/**
 * The remaining count of a `ratelimit-remaining` header, Docker Hub's `N;w=21600` (N pulls left in a
 * window of 21600 s), or undefined when the value is not of that form.
 */
export function parseRateLimitRemaining(value: string | undefined): number | undefined {
  const m = /^\s*(\d+)\s*(?:;.*)?$/.exec(value ?? '');
  return m ? Number(m[1]) : undefined;
}

/** How long a fallen count is trusted over a higher one that arrives after it. */
const RISE_AFTER_MS = 60_000;

/** Why the gate refused a pull. */
export interface GateRefusal {
  host: string;
  /** Pulls the registry said were left (0 after a 429). */
  remaining: number;
  /** Pulls started and not yet finished. */
  inFlight: number;
}

/**
 * Docker Hub's pull limit, per registry host: pulls are started only while the last
 * `ratelimit-remaining` seen, less the pulls started whose manifest GET has not answered yet,
 * stays above `min`, so parallel jobs cannot spend the margin between them. HEAD requests are
 * free (Docker Hub does not count them) and never pass the gate. Hosts that send no header are
 * never limited.
 */
export class RateGate {
  readonly min: number;
  private readonly remaining = new Map<string, number>();
  private readonly loweredAt = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly now: () => number;

  /** `min`: pulls to leave; `now`: clock in ms (default Date.now). */
  constructor(min: number, now: () => number = Date.now) {
    this.min = min;
    this.now = now;
  }

  /**
   * Records a `ratelimit-remaining` value a host sent (ignored when absent or malformed). A lower
   * count applies at once; a higher one only a minute after the last fall, so an answer that left
   * the registry before a pull but arrives after it cannot give that pull back. Docker Hub's
   * window rolls, so counts do rise again, slowly.
   */
  observe(host: string, header: string | undefined): void {
    const n = parseRateLimitRemaining(header);
    if (n === undefined) return;
    const key = host.toLowerCase();
    const last = this.remaining.get(key);
    if (last !== undefined && n > last && this.now() - (this.loweredAt.get(key) ?? 0) < RISE_AFTER_MS) return;
    if (last === undefined || n < last) this.loweredAt.set(key, this.now());
    this.remaining.set(key, n);
  }

  /** Marks a host as out of pulls (it answered 429). */
  exhaust(host: string): void {
    this.remaining.set(host.toLowerCase(), 0);
    this.loweredAt.set(host.toLowerCase(), this.now());
  }

  /** The last remaining count seen for a host. */
  left(host: string): number | undefined {
    return this.remaining.get(host.toLowerCase());
  }

  /** Takes a pull from the host's budget; a refusal (nothing taken) when that would go below the minimum. */
  acquire(host: string): GateRefusal | undefined {
    const key = host.toLowerCase();
    const left = this.remaining.get(key);
    const busy = this.inFlight.get(key) ?? 0;
    if (left !== undefined && left - busy <= this.min) return { host, remaining: left, inFlight: busy };
    this.inFlight.set(key, busy + 1);
    return undefined;
  }

  /** Ends a pull taken by acquire(): its manifest GET has answered (and its count was observed), or it failed. */
  release(host: string): void {
    const key = host.toLowerCase();
    this.inFlight.set(key, Math.max(0, (this.inFlight.get(key) ?? 0) - 1));
  }
}
