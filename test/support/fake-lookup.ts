import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/** A name tests give to loopback, so it is not loopback by name (and so is proxied, unlike 127.0.0.1). */
export const FAKE_REGISTRY_NAME = 'registry.regctl.test';

/**
 * A `lookup` for net/tls connections that answers the mapped names (e.g. `registry.regctl.test` →
 * `127.0.0.1`) and `localhost`; every other name fails with ENOTFOUND, so a test never reaches
 * beyond loopback.
 */
export function fakeLookup(names: Record<string, string>): LookupFunction {
  return ((hostname: string, options: { all?: boolean } | number, callback: (...args: unknown[]) => void) => {
    const all = typeof options === 'object' && options?.all === true;
    const mapped = names[hostname.toLowerCase()];
    if (mapped === undefined && hostname.toLowerCase() === 'localhost') {
      dnsLookup(hostname, options as never, callback as never);
      return;
    }
    if (mapped === undefined) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      process.nextTick(() => callback(err, all ? [] : undefined, undefined));
      return;
    }
    const family = mapped.includes(':') ? 6 : 4;
    const answer: LookupAddress[] = [{ address: mapped, family }];
    process.nextTick(() => (all ? callback(null, answer) : callback(null, mapped, family)));
  }) as LookupFunction;
}
