/**
 * Sets of integers as sorted inclusive intervals: the arithmetic behind address sets
 * (`addresses.ts`: IPv4 addresses as unsigned 32-bit numbers) and port sets (`ports.ts`). Pure.
 */

/** An inclusive range of integers. */
export interface Interval {
  lo: number;
  hi: number;
}

/** Sorts and merges overlapping or adjacent intervals. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.lo <= last.hi + 1) last.hi = Math.max(last.hi, i.hi);
    else out.push({ ...i });
  }
  return out;
}

/** The parts of `from` not in `minus`, sorted and merged. */
export function subtractIntervals(from: readonly Interval[], minus: readonly Interval[]): Interval[] {
  let rest = mergeIntervals(from);
  for (const m of mergeIntervals(minus)) {
    const next: Interval[] = [];
    for (const r of rest) {
      if (m.hi < r.lo || m.lo > r.hi) {
        next.push(r);
        continue;
      }
      if (m.lo > r.lo) next.push({ lo: r.lo, hi: m.lo - 1 });
      if (m.hi < r.hi) next.push({ lo: m.hi + 1, hi: r.hi });
    }
    rest = next;
  }
  return rest;
}

/** True when some value lies in both sets. */
export function intervalsIntersect(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.some((x) => b.some((y) => x.lo <= y.hi && y.lo <= x.hi));
}

/** True when the union of `by` contains every value of `target`. */
export function intervalsCover(by: readonly Interval[], target: readonly Interval[]): boolean {
  return subtractIntervals(target, by).length === 0;
}
