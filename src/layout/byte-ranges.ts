/** A half-open byte range [start, end). */
export type ByteRange = [start: number, end: number];

/** Adds [start, end) to sorted, disjoint ranges, merging neighbours; returns a new list. */
export function addRange(ranges: readonly ByteRange[], start: number, end: number): ByteRange[] {
  if (end <= start) return [...ranges];
  const out: ByteRange[] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const [a, b] of ranges) {
    if (b < s) out.push([a, b]);
    else if (a > e) {
      if (!placed) {
        out.push([s, e]);
        placed = true;
      }
      out.push([a, b]);
    } else {
      s = Math.min(s, a);
      e = Math.max(e, b);
    }
  }
  if (!placed) out.push([s, e]);
  return out;
}

/** The parts of [from, to) not covered by `ranges` (sorted, disjoint), in order. */
export function gaps(ranges: readonly ByteRange[], from: number, to: number): ByteRange[] {
  const out: ByteRange[] = [];
  let at = from;
  for (const [a, b] of ranges) {
    if (b <= at) continue;
    if (a >= to) break;
    if (a > at) out.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < to) out.push([at, to]);
  return out;
}

/** Total bytes the ranges cover. */
export function coveredBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((n, [a, b]) => n + (b - a), 0);
}

/** True for a list of sorted, disjoint, non-empty ranges inside [0, size). */
export function isRangeList(value: unknown, size: number): value is ByteRange[] {
  if (!Array.isArray(value)) return false;
  let last = -1;
  for (const r of value) {
    if (!Array.isArray(r) || r.length !== 2) return false;
    const [a, b] = r as unknown[];
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return false;
    if ((a as number) <= last || (b as number) <= (a as number) || (b as number) > size) return false;
    last = b as number;
  }
  return true;
}
