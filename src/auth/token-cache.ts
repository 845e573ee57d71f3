import { mergeScopes, scopesCover } from './scope.js';

/** A bearer token and what it grants. */
export interface BearerToken {
  token: string;
  /** Lifetime in seconds from when it was received (default 60, as the distribution spec says). */
  expiresIn?: number;
}

interface Entry {
  token: string;
  scopes: string[];
  expiresAt: number;
}

/**
 * Bearer tokens per registry and scope set, kept until shortly before they expire; concurrent
 * requests for the same registry and scopes share one in-flight fetch.
 */
export class TokenCache {
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry[]>();
  readonly #inflight = new Map<string, Promise<string>>();

  /** `now` gives the time in milliseconds; default Date.now. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** An unexpired token for `registry` whose scopes cover `scopes`, if any. */
  find(registry: string, scopes: readonly string[]): string | undefined {
    const now = this.#now();
    const list = (this.#entries.get(registry) ?? []).filter((e) => e.expiresAt > now);
    this.#entries.set(registry, list);
    return list.find((e) => scopesCover(e.scopes, scopes))?.token;
  }

  /** A cached token covering `scopes`, else the in-flight fetch for the same scopes, else a new `fetch()`. */
  obtain(registry: string, scopes: readonly string[], fetch: () => Promise<BearerToken>): Promise<string> {
    const cached = this.find(registry, scopes);
    if (cached) return Promise.resolve(cached);
    const merged = mergeScopes(scopes);
    const key = `${registry} ${merged.join(' ')}`;
    let p = this.#inflight.get(key);
    if (!p) {
      const started = this.#now();
      p = fetch()
        .then((t) => {
          const life = (t.expiresIn && t.expiresIn > 0 ? t.expiresIn : 60) * 1000;
          // Renew a little early (10%, at most 5 s) so a token does not expire in flight.
          const expiresAt = started + life - Math.min(5000, life / 10);
          const list = this.#entries.get(registry) ?? [];
          list.unshift({ token: t.token, scopes: merged, expiresAt });
          this.#entries.set(registry, list);
          return t.token;
        })
        .finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p;
  }

  /** Forgets a token the registry refused. */
  invalidate(registry: string, token: string): void {
    const list = this.#entries.get(registry);
    if (list)
      this.#entries.set(
        registry,
        list.filter((e) => e.token !== token),
      );
  }
}
