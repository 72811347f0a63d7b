/**
 * IPv4 intervals as plain numbers: the same sorted, disjoint, non-adjacent intervals as intervals.ts, packed
 * in a Uint32Array as [first0, last0, first1, last1, ...]. A list of 100,000 ranges as bigint objects costs
 * tens of milliseconds to sort, merge and subtract; as numbers in typed arrays each step is one linear pass
 * (or one native numeric sort) of a few milliseconds, so the kernel sets can follow a large list quickly.
 * Ranges enter as sort keys (network * 64 + prefix, exact in a double), which a native Float64Array sort
 * orders by network; a multiset of keys can then be updated by a few insertions and deletions in one pass.
 */
import type { Interval } from './intervals.js';
import type { Range } from './types.js';

/** Sorted, disjoint, non-adjacent IPv4 intervals: [first, last] pairs, both inclusive. */
export type V4Intervals = Uint32Array;

export const EMPTY_V4: V4Intervals = new Uint32Array(0);

/** Number of intervals. */
export function v4Count(items: V4Intervals): number {
  return items.length >>> 1;
}

/** The sort key of an IPv4 prefix: orders by network, then by prefix length. */
export function v4Key(network: number, prefix: number): number {
  return network * 64 + prefix;
}

/** The key of an IPv4 range (family 4). */
export function v4KeyOfRange(range: Range): number {
  return v4Key(Number(range.network), range.prefix);
}

/** Addresses in a prefix of each length 0-32 (the rest of the table is never read). */
const SIZE = new Float64Array(64);
for (let p = 0; p <= 32; p++) SIZE[p] = 2 ** (32 - p);

/** Sorted keys of the IPv4 ranges among `ranges` (other families are ignored). */
export function v4Keys(ranges: readonly Range[]): Float64Array {
  let n = 0;
  for (const r of ranges) if (r.family === 4) n++;
  const keys = new Float64Array(n);
  let i = 0;
  for (const r of ranges) if (r.family === 4) keys[i++] = v4KeyOfRange(r);
  return keys.sort();
}

/** The first index of sorted `keys` whose key is >= `key`. */
function lowerBound(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index of sorted `pairs` (as [first, last, ...]) whose interval ends at or after `value`. */
function pairAtOrAfter(items: V4Intervals, value: number): number {
  let lo = 0;
  let hi = items.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[2 * mid + 1] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sorted `keys` without one occurrence of each of `removed` and with `added` (a multiset update: the
 * unchanged stretches are copied as blocks). Returns undefined when a removed key is not there (the
 * caller's idea of `keys` is wrong: rebuild).
 */
export function updateKeys(keys: Float64Array, removed: ArrayLike<number>, added: ArrayLike<number>): Float64Array | undefined {
  const del = Float64Array.from(removed).sort();
  const events: { at: number; key: number; add: boolean }[] = [];
  let run = 0;
  for (let d = 0; d < del.length; d++) {
    const key = del[d] as number;
    // The n-th removal of one key takes its n-th occurrence.
    run = d > 0 && del[d - 1] === key ? run + 1 : 0;
    const at = lowerBound(keys, key) + run;
    if (keys[at] !== key) return undefined;
    events.push({ at, key, add: false });
  }
  for (let a = 0; a < added.length; a++) {
    const key = added[a] as number;
    events.push({ at: lowerBound(keys, key), key, add: true });
  }
  events.sort((x, y) => x.at - y.at || x.key - y.key || (x.add ? 1 : 0) - (y.add ? 1 : 0));
  const out = new Float64Array(keys.length - del.length + added.length);
  let from = 0;
  let o = 0;
  for (const e of events) {
    // A removal moves past its key; additions at the same place follow it without copying.
    if (e.at > from) {
      out.set(keys.subarray(from, e.at), o);
      o += e.at - from;
      from = e.at;
    }
    if (e.add) out[o++] = e.key;
    else from++;
  }
  out.set(keys.subarray(from), o);
  return out;
}

/**
 * The union of `keys` given the union `before` of keys that differ from them only in `changed` (the keys
 * added and removed): only the stretch of `before` around each change is computed again, the rest is
 * copied. Equal to v4Union(keys).
 */
export function v4UnionUpdate(before: V4Intervals, keys: Float64Array, changed: readonly number[]): V4Intervals {
  if (changed.length === 0) return before;
  // The spans to compute again: each changed range widened by one address on both sides (an interval
  // adjacent to it may join it) and then to the whole intervals of `before` it touches. Every range that
  // meets such a span starts inside it, since the intervals of `before` are maximal.
  const spans: number[] = [];
  for (const k of [...changed].sort((x, y) => x - y)) {
    const f = Math.floor(k / 64);
    let first = f;
    let last = f + (SIZE[k - f * 64] as number) - 1;
    const i = pairAtOrAfter(before, first - 1);
    if (i < before.length >>> 1 && (before[2 * i] as number) <= last + 1) {
      first = Math.min(first, before[2 * i] as number);
      let j = i;
      while (j + 1 < before.length >>> 1 && (before[2 * j + 2] as number) <= last + 1) j++;
      last = Math.max(last, before[2 * j + 1] as number);
    }
    const top = spans.length - 1;
    if (top > 0 && first <= (spans[top] as number) + 1) spans[top] = Math.max(spans[top] as number, last);
    else spans.push(first, last);
  }
  const pieces: V4Intervals[] = [];
  let from = 0;
  for (let s = 0; s < spans.length; s += 2) {
    const first = spans[s] as number;
    const last = spans[s + 1] as number;
    const i = pairAtOrAfter(before, first);
    pieces.push(before.subarray(2 * from, 2 * i));
    let j = i;
    while (j < before.length >>> 1 && (before[2 * j + 1] as number) <= last) j++;
    from = j;
    pieces.push(v4Union(keys.subarray(lowerBound(keys, first * 64), lowerBound(keys, (last + 1) * 64))));
  }
  pieces.push(before.subarray(2 * from));
  let n = 0;
  for (const p of pieces) n += p.length;
  const out = new Uint32Array(n);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The union of sorted keys' ranges as intervals (overlapping and adjacent ranges joined). */
export function v4Union(keys: Float64Array): V4Intervals {
  const out = new Uint32Array(keys.length * 2);
  let o = 0;
  let first = -1;
  let last = -2;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as number;
    const f = Math.floor(k / 64);
    const l = f + (SIZE[k - f * 64] as number) - 1;
    if (f <= last + 1) {
      if (l > last) last = l;
      continue;
    }
    if (first >= 0) {
      out[o++] = first;
      out[o++] = last;
    }
    first = f;
    last = l;
  }
  if (first >= 0) {
    out[o++] = first;
    out[o++] = last;
  }
  return out.slice(0, o);
}

/**
 * `a` minus `b` (both normalized), normalized. Intervals the two share at their beginning and at their end
 * (successive generations of a large list share nearly all) subtract to nothing and bound nothing else: only
 * the stretches between them are merged.
 */
export function v4Subtract(a: V4Intervals, b: V4Intervals): V4Intervals {
  const n = Math.min(a.length, b.length);
  let head = 0;
  while (head < n && a[head] === b[head] && a[head + 1] === b[head + 1]) head += 2;
  let tail = 0;
  while (tail < n - head && a[a.length - 2 - tail] === b[b.length - 2 - tail] && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 2;
  return subtractMerged(a.subarray(head, a.length - tail), b.subarray(head, b.length - tail));
}

/** `a` minus `b` in one merge pass. */
function subtractMerged(a: V4Intervals, b: V4Intervals): V4Intervals {
  // Each hole of b splits at most one piece of a in two: the result has fewer than a + b intervals.
  const out = new Uint32Array(a.length + b.length);
  let o = 0;
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let first = a[i] as number;
    const last = a[i + 1] as number;
    while (j < b.length && (b[j + 1] as number) < first) j += 2;
    let k = j;
    while (k < b.length && first <= last) {
      const holeFirst = b[k] as number;
      if (holeFirst > last) break;
      if (holeFirst > first) {
        out[o++] = first;
        out[o++] = holeFirst - 1;
      }
      first = (b[k + 1] as number) + 1;
      k += 2;
    }
    if (first <= last) {
      out[o++] = first;
      out[o++] = last;
    }
  }
  return out.slice(0, o);
}

export function v4Same(a: V4Intervals, b: V4Intervals): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Normalizes unsorted, possibly overlapping [first, last] pairs (as read back from the kernel, which lists
 * them in its own order).
 */
export function v4Normalize(pairs: readonly number[]): V4Intervals {
  const n = pairs.length >>> 1;
  let sorted = true;
  for (let i = 2; i < pairs.length && sorted; i += 2) if ((pairs[i] as number) < (pairs[i - 2] as number)) sorted = false;
  let order: ArrayLike<number>;
  if (sorted) order = pairs;
  else {
    const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => (pairs[2 * x] as number) - (pairs[2 * y] as number));
    const re: number[] = [];
    for (const i of idx) re.push(pairs[2 * i] as number, pairs[2 * i + 1] as number);
    order = re;
  }
  const out = new Uint32Array(order.length);
  let o = 0;
  for (let i = 0; i < order.length; i += 2) {
    const f = order[i] as number;
    const l = order[i + 1] as number;
    if (o > 0 && f <= (out[o - 1] as number) + 1) {
      if (l > (out[o - 1] as number)) out[o - 1] = l;
    } else {
      out[o++] = f;
      out[o++] = l;
    }
  }
  return out.slice(0, o);
}

/** As bigint intervals (for wording and for comparing with the bigint reference). */
export function v4ToIntervals(items: V4Intervals): Interval[] {
  const out: Interval[] = [];
  for (let i = 0; i < items.length; i += 2) out.push({ first: BigInt(items[i] as number), last: BigInt(items[i + 1] as number) });
  return out;
}

/** From normalized bigint intervals of IPv4 addresses. */
export function v4FromIntervals(items: readonly Interval[]): V4Intervals {
  const out = new Uint32Array(items.length * 2);
  items.forEach((i, k) => {
    out[2 * k] = Number(i.first);
    out[2 * k + 1] = Number(i.last);
  });
  return out;
}

const OCTETS = Array.from({ length: 256 }, (_, i) => String(i));
const OCTETS_DOT = OCTETS.map((o) => `${o}.`);

/** Dotted quad of a uint32. */
export function v4Text(value: number): string {
  return (OCTETS_DOT[value >>> 24] as string) + (OCTETS_DOT[(value >>> 16) & 255] as string) + (OCTETS_DOT[(value >>> 8) & 255] as string) + (OCTETS[value & 255] as string);
}

/** The prefix length when [first, last] is exactly one aligned prefix, else -1. */
export function v4PrefixLength(first: number, last: number): number {
  const size = last - first + 1;
  if (size === 2 ** 32) return first === 0 ? 0 : -1;
  // Below 2^32 the bitwise operators (on the low 32 bits) test a power of two and the alignment exactly.
  if ((size & (size - 1)) !== 0 || (first & (size - 1)) !== 0) return -1;
  return Math.clz32(size) + 1;
}
