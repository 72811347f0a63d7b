/**
 * Address sets as sorted, disjoint, non-adjacent intervals of one family (first..last, inclusive). The
 * kernel's interval sets hold exactly this shape, so comparing what a set holds with what it should hold,
 * and computing what changed between two lists, is interval arithmetic: merge, subtract, equal.
 */
import { rangeLast, type Family, type Range } from './types.js';

export interface Interval {
  readonly first: bigint;
  readonly last: bigint;
}

/** Sorts and joins overlapping or adjacent intervals. */
export function normalizeIntervals(items: readonly Interval[]): Interval[] {
  const sorted = [...items].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Interval[] = [];
  let cur: { first: bigint; last: bigint } | undefined;
  for (const i of sorted) {
    if (cur !== undefined && i.first <= cur.last + 1n) {
      if (i.last > cur.last) cur.last = i.last;
      continue;
    }
    if (cur !== undefined) out.push(cur);
    cur = { first: i.first, last: i.last };
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** The intervals covered by the ranges of one family (others are ignored). */
export function intervalsOf(ranges: readonly Range[], family: Family): Interval[] {
  const items = ranges.filter((r) => r.family === family).map((r) => ({ first: r.network, last: rangeLast(r) }));
  // Merged lists (mergeRanges) come sorted and disjoint: then joining neighbours is one pass, no sort.
  for (let i = 1; i < items.length; i++) if ((items[i] as Interval).first <= (items[i - 1] as Interval).last) return normalizeIntervals(items);
  const out: { first: bigint; last: bigint }[] = [];
  for (const i of items) {
    const prev = out[out.length - 1];
    if (prev !== undefined && i.first === prev.last + 1n) prev.last = i.last;
    else out.push({ first: i.first, last: i.last });
  }
  return out;
}

/** `a` minus `b` (both normalized); the result is normalized. */
export function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const piece of a) {
    let first = piece.first;
    const last = piece.last;
    while (j < b.length && (b[j] as Interval).last < first) j++;
    let k = j;
    while (k < b.length && first <= last) {
      const hole = b[k] as Interval;
      if (hole.first > last) break;
      if (hole.first > first) out.push({ first, last: hole.first - 1n });
      first = hole.last + 1n;
      k++;
    }
    if (first <= last) out.push({ first, last });
  }
  return out;
}

export function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Interval;
    const y = b[i] as Interval;
    if (x.first !== y.first || x.last !== y.last) return false;
  }
  return true;
}

/** Number of addresses in the intervals. */
export function intervalSize(items: readonly Interval[]): bigint {
  let n = 0n;
  for (const i of items) n += i.last - i.first + 1n;
  return n;
}
