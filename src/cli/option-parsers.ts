import { InvalidArgumentError } from 'commander';
import { parsePlatform } from '../oci/platform.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Parses a byte count such as `1048576`, `512KiB`, `16MiB`, `1G` (k/m/g without B are binary). */
export function byteSize(value: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new InvalidArgumentError('must be a size such as 1048576, 512KiB, 16MiB or 1GiB');
  return Number(m[1]) * unit;
}

const DURATION_UNITS: Record<string, number> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as `60` (seconds), `90s`, `500ms`, `2m`, `1h` into milliseconds (above 0, at most a day). */
export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|)$/i.exec(value.trim());
  const ms = m ? Number(m[1]) * (DURATION_UNITS[(m[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!(ms >= 1) || ms > 86_400_000) throw new InvalidArgumentError('must be a duration such as 60 (seconds), 90s, 500ms or 2m, at most 24h');
  return Math.round(ms);
}

/** A commander parser for an integer from `min` to `max`. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** A commander parser that collects a repeatable option into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A commander parser for a repeatable `--platform os/arch[/variant][,…]`: each platform is checked
 * while argv is parsed (the usage error the command would give, before any work starts); the values
 * are collected as given, for the command to split.
 */
export function platformList(value: string, previous: string[] | undefined): string[] {
  for (const p of value.split(',')) if (p.trim() !== '') parsePlatform(p);
  return collect(value, previous);
}
