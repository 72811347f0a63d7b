/**
 * Compiled range matcher. Prefixes are nested or disjoint, so the address space splits into at most 2n + 1
 * intervals, each labelled with its most specific entry (or none). A lookup is one binary search over the
 * interval starts; for IPv4 the starts live in a Uint32Array and a 65,536-slot table on the top 16 bits narrows
 * the search to a handful of entries, and dotted-quad strings are parsed without allocating.
 *
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are looked up as IPv4; IPv4 and IPv6 never match each
 * other otherwise (an IPv6 range such as `::/0` does not contain IPv4 clients).
 */
import { IpgateError } from '../errors.js';
import type { Address, Range } from './types.js';
import { parseAddress, parseRange, unmapAddress } from './parse.js';
import { formatRange } from './format.js';
import { checkRange } from './merge.js';
import { parseIpv4Fast } from './fast-ipv4.js';

export interface Matcher<E = string> {
  /** Whether any range contains the address (a string is parsed strictly, as parseAddress does). */
  has(address: string | Address): boolean;
  /** The most specific matching entry as it was given, or undefined. */
  match(address: string | Address): E | undefined;
  /** Number of entries. */
  readonly size: number;
}

const V4_SPACE = 2 ** 32;
const V6_SPACE = 1n << 128n;

/** Interval starts (ascending, first is 0) and the entry index labelling each interval (-1 = none). */
export interface Intervals<T> {
  readonly starts: T[];
  readonly labels: number[];
}

/**
 * Sweeps prefixes (given as [start, after) with their entry index, in `order`: start ascending, wider first,
 * earlier entry first) into labelled intervals. Exact duplicates keep the first entry.
 */
function sweep<T extends number | bigint>(
  order: ArrayLike<number>, starts: ArrayLike<T>, afters: ArrayLike<T>, labelOf: (i: number) => number, zero: T, space: T,
): Intervals<T> {
  const outStarts: T[] = [zero];
  const outLabels: number[] = [-1];
  const emit = (pos: T, label: number): void => {
    if (outStarts[outStarts.length - 1] === pos) {
      outStarts.pop();
      outLabels.pop();
    }
    if (outLabels.length > 0 && outLabels[outLabels.length - 1] === label) return;
    outStarts.push(pos);
    outLabels.push(label);
  };
  const stackAfter: T[] = [];
  const stackLabel: number[] = [];
  const popUntil = (limit: T | undefined): void => {
    while (stackAfter.length > 0) {
      const after = stackAfter[stackAfter.length - 1] as T;
      if (limit !== undefined && after > limit) return;
      stackAfter.pop();
      stackLabel.pop();
      if (after !== space) emit(after, stackLabel.length > 0 ? stackLabel[stackLabel.length - 1] as number : -1);
    }
  };
  let prevStart: T | undefined;
  let prevAfter: T | undefined;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    const start = starts[i] as T;
    const after = afters[i] as T;
    if (start === prevStart && after === prevAfter) continue;
    prevStart = start;
    prevAfter = after;
    popUntil(start);
    const label = labelOf(i);
    stackAfter.push(after);
    stackLabel.push(label);
    emit(start, label);
  }
  popUntil(undefined);
  return { starts: outStarts, labels: outLabels };
}

/**
 * IPv4 lookup structure. `data` interleaves each interval's start and label + 1 (0 = no entry), so the
 * label is on the cache line the search already touched; `slots[b]` is the last interval whose start is
 * <= b * 65536, which bounds the search to the intervals of one top-16-bit slot.
 */
class Table4 {
  private readonly data: Uint32Array;
  private readonly slots: Uint32Array;

  constructor(intervals: { readonly starts: ArrayLike<number>; readonly labels: ArrayLike<number> }) {
    const n = intervals.starts.length;
    this.data = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      this.data[2 * i] = intervals.starts[i] as number;
      this.data[2 * i + 1] = (intervals.labels[i] as number) + 1;
    }
    this.slots = new Uint32Array(65537);
    let i = 0;
    for (let b = 0; b < 65536; b++) {
      const pos = b * 65536;
      while (i + 1 < n && (intervals.starts[i + 1] as number) <= pos) i++;
      this.slots[b] = i;
    }
    this.slots[65536] = n - 1;
  }

  /** Entry index of the most specific range containing `x` (uint32), or -1. */
  lookup(x: number): number {
    const b = x >>> 16;
    const data = this.data;
    let lo = this.slots[b] as number;
    let hi = this.slots[b + 1] as number;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((data[2 * mid] as number) <= x) lo = mid;
      else hi = mid - 1;
    }
    return (data[2 * lo + 1] as number) - 1;
  }
}

/** IPv6 lookup structure: the same intervals with bigint starts. */
class Table6 {
  private readonly starts: bigint[];
  private readonly labels: Int32Array;

  constructor(intervals: Intervals<bigint>) {
    this.starts = intervals.starts;
    this.labels = Int32Array.from(intervals.labels);
  }

  lookup(x: bigint): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] as bigint) <= x) lo = mid;
      else hi = mid - 1;
    }
    return this.labels[lo] as number;
  }
}

/** Ranges inside ::ffff:0:0/96 are the IPv4 ranges they map (addresses there are looked up as IPv4). */
function normalizeRange(range: Range): Range {
  if (range.family === 6 && range.prefix >= 96 && range.network >> 32n === 0xffffn) {
    return { family: 4, network: range.network & 0xffffffffn, prefix: range.prefix - 96 };
  }
  return range;
}

/**
 * The IPv4 intervals of prefixes given as uint32 starts and prefix lengths (entry i labelled `labels[i]`,
 * labels ascending): the same result as `sweep` over the same prefixes, on typed arrays. The order (start
 * ascending, wider first, earlier entry first) comes from three stable counting-sort passes (prefix length,
 * low 16 bits, high 16 bits of the start), so a list of a hundred thousand prefixes sorts in a few
 * milliseconds without a comparison function.
 */
export function intervals4(starts: Uint32Array, prefixes: Uint8Array, labels: Int32Array): { starts: Float64Array; labels: Int32Array } {
  const n = starts.length;
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  const byPrefix = new Uint32Array(34);
  for (let i = 0; i < n; i++) {
    const b = (prefixes[i] as number) + 1;
    byPrefix[b] = (byPrefix[b] as number) + 1;
  }
  for (let b = 1; b < 34; b++) byPrefix[b] = (byPrefix[b] as number) + (byPrefix[b - 1] as number);
  for (let i = 0; i < n; i++) {
    const b = prefixes[i] as number;
    const at = byPrefix[b] as number;
    byPrefix[b] = at + 1;
    order[at] = i;
  }
  const counts = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const b = (((starts[i] as number) >>> shift) & 0xffff) + 1;
      counts[b] = (counts[b] as number) + 1;
    }
    for (let b = 1; b < 65537; b++) counts[b] = (counts[b] as number) + (counts[b - 1] as number);
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const b = ((starts[i] as number) >>> shift) & 0xffff;
      const at = counts[b] as number;
      counts[b] = at + 1;
      next[at] = i;
    }
    [order, next] = [next, order];
  }
  // The sweep: a stack of open prefixes (at most 33 nest), emitting an interval at every start and end.
  const outStarts = new Float64Array(2 * n + 1);
  const outLabels = new Int32Array(2 * n + 1);
  outLabels[0] = -1;
  let count = 1;
  const emit = (pos: number, label: number): void => {
    if (outStarts[count - 1] === pos) count--;
    if (count > 0 && outLabels[count - 1] === label) return;
    outStarts[count] = pos;
    outLabels[count] = label;
    count++;
  };
  const stackAfter = new Float64Array(34);
  const stackLabel = new Int32Array(34);
  let depth = 0;
  let prevStart = -1;
  let prevAfter = -1;
  for (let k = 0; k <= n; k++) {
    const i = k < n ? (order[k] as number) : -1;
    const start = i < 0 ? V4_SPACE : (starts[i] as number);
    const after = i < 0 ? V4_SPACE : start + 2 ** (32 - (prefixes[i] as number));
    if (i >= 0 && start === prevStart && after === prevAfter) continue;
    prevStart = start;
    prevAfter = after;
    // Close the prefixes that end at or before this start (all of them at the end).
    while (depth > 0 && (stackAfter[depth - 1] as number) <= start) {
      const closed = stackAfter[depth - 1] as number;
      depth--;
      if (closed !== V4_SPACE) emit(closed, depth > 0 ? (stackLabel[depth - 1] as number) : -1);
    }
    if (i < 0) break;
    const label = labels[i] as number;
    stackAfter[depth] = after;
    stackLabel[depth] = label;
    depth++;
    emit(start, label);
  }
  return { starts: outStarts.subarray(0, count), labels: outLabels.subarray(0, count) };
}

/** IPv4 ranges (already normalized to family 4) as the typed arrays intervals4 takes. */
function buildTable4(ranges: readonly Range[], labels: readonly number[]): Table4 {
  const n = ranges.length;
  const starts = new Uint32Array(n);
  const prefixes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = ranges[i] as Range;
    starts[i] = Number(r.network);
    prefixes[i] = r.prefix;
  }
  return new Table4(intervals4(starts, prefixes, Int32Array.from(labels)));
}

/** The generic sweep over IPv4 prefixes (bigint-free but comparison-sorted): the reference intervals4 is checked against. */
export function intervals4Reference(starts: ArrayLike<number>, prefixes: ArrayLike<number>, labels: ArrayLike<number>): Intervals<number> {
  const n = starts.length;
  const s = Float64Array.from(starts);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (s[i] as number) + 2 ** (32 - (prefixes[i] as number));
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => (s[x] as number) - (s[y] as number) || (a[y] as number) - (a[x] as number) || (labels[x] as number) - (labels[y] as number));
  return sweep(order, s, a, (i) => labels[i] as number, 0, V4_SPACE);
}

function buildTable6(ranges: readonly Range[], labels: readonly number[]): Table6 {
  const n = ranges.length;
  const starts: bigint[] = new Array<bigint>(n);
  const afters: bigint[] = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    const r = ranges[i] as Range;
    starts[i] = r.network;
    afters[i] = r.network + (1n << BigInt(128 - r.prefix));
  }
  const cmp = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => cmp(starts[a] as bigint, starts[b] as bigint) || cmp(afters[b] as bigint, afters[a] as bigint)
    || (labels[a] as number) - (labels[b] as number));
  return new Table6(sweep(order, starts, afters, (i) => labels[i] as number, 0n, V6_SPACE));
}

function invalidAddress(): never {
  throw new IpgateError('ERR_ADDRESS_TYPE', 'Expected an IP address as a string or a parsed address { family: 4 | 6, value: bigint }');
}

/**
 * The lookup structure alone: the index (in input order) of the most specific range containing an address.
 */
export class RangeIndex {
  private constructor(readonly size: number, private readonly v4: Table4, private readonly v6: Table6) {}

  /** Over `ranges` (each checked to be a well-formed Range unless `checked` is false). */
  static of(ranges: readonly Range[], checked = true): RangeIndex {
    if (checked) for (const range of ranges) checkRange(range);
    return RangeIndex.ofLists([ranges.map((range) => ({ range }))]);
  }

  /**
   * Over the ranges of parsed entries (from the parser, so not checked again), the lists one after the
   * other: an entry's index counts from the first entry of the first list. IPv4 ranges go straight into
   * typed arrays, with no intermediate list, since a profile may hold a hundred thousand of them.
   */
  static ofLists(lists: readonly (readonly { readonly range: Range }[])[]): RangeIndex {
    let total = 0;
    let count4 = 0;
    for (const list of lists) {
      total += list.length;
      for (const { range } of list) if (range.family === 4) count4++;
    }
    const starts = new Uint32Array(count4);
    const prefixes = new Uint8Array(count4);
    const labels4 = new Int32Array(count4);
    const r6: Range[] = [];
    const l6: number[] = [];
    let i = 0;
    let k = 0;
    for (const list of lists) {
      for (const { range } of list) {
        const r = range.family === 4 ? range : normalizeRange(range);
        if (r.family === 4) {
          if (r === range) {
            starts[k] = Number(r.network);
            prefixes[k] = r.prefix;
            labels4[k++] = i;
          } else {
            // A mapped IPv6 range (rare): the arrays were sized without it.
            return RangeIndex.ofRanges(lists, total);
          }
        } else {
          r6.push(r);
          l6.push(i);
        }
        i++;
      }
    }
    return new RangeIndex(total, new Table4(intervals4(starts, prefixes, labels4)), buildTable6(r6, l6));
  }

  /** The plain way, for lists with IPv4-mapped IPv6 ranges. */
  private static ofRanges(lists: readonly (readonly { readonly range: Range }[])[], total: number): RangeIndex {
    const r4: Range[] = [];
    const l4: number[] = [];
    const r6: Range[] = [];
    const l6: number[] = [];
    let i = 0;
    for (const list of lists) {
      for (const { range } of list) {
        const r = normalizeRange(range);
        if (r.family === 4) {
          r4.push(r);
          l4.push(i);
        } else {
          r6.push(r);
          l6.push(i);
        }
        i++;
      }
    }
    return new RangeIndex(total, buildTable4(r4, l4), buildTable6(r6, l6));
  }

  /** Index (in input order) of the most specific entry containing the address, or -1. */
  indexOf(address: string | Address): number {
    if (typeof address === 'string') {
      const x = parseIpv4Fast(address);
      if (x >= 0) return this.v4.lookup(x);
      return this.indexOfAddress(parseAddress(address));
    }
    return this.indexOfAddress(address);
  }

  private indexOfAddress(address: Address): number {
    if (address === null || typeof address !== 'object' || typeof address.value !== 'bigint' || address.value < 0n) invalidAddress();
    const a = unmapAddress(address);
    if (a.family === 4) {
      if (a.value >= 1n << 32n) invalidAddress();
      return this.v4.lookup(Number(a.value));
    }
    if (a.family !== 6 || a.value >= V6_SPACE) invalidAddress();
    return this.v6.lookup(a.value);
  }
}

/**
 * A compiled lookup from ranges to values: the most specific range containing an address gives its value.
 * Policy code compiles once and asks with strings or already parsed Address objects.
 */
export class RangeMap<E> implements Matcher<E> {
  readonly size: number;
  private readonly values: E[];
  private readonly index: RangeIndex;

  constructor(entries: Iterable<readonly [Range, E]>) {
    const values: E[] = [];
    const ranges: Range[] = [];
    for (const [range, value] of entries) {
      ranges.push(range);
      values.push(value);
    }
    this.values = values;
    this.index = RangeIndex.of(ranges);
    this.size = values.length;
  }

  /** Index (in input order) of the most specific entry containing the address, or -1. */
  indexOf(address: string | Address): number {
    return this.index.indexOf(address);
  }

  has(address: string | Address): boolean {
    return this.indexOf(address) >= 0;
  }

  match(address: string | Address): E | undefined {
    const i = this.indexOf(address);
    return i < 0 ? undefined : this.values[i];
  }
}

/** Compiles (range, value) pairs; `match` gives the value of the most specific containing range. */
export function compileRangeMap<E>(entries: Iterable<readonly [Range, E]>): RangeMap<E> {
  return new RangeMap(entries);
}

/**
 * Compiles ranges (strings as written, or parsed Range objects) into a fast matcher. Strings are parsed
 * strictly (parseRange; an invalid one throws its IpgateError). `match` returns the entry as written: the
 * string itself, or formatRange of a Range object.
 */
export function compileMatcher(ranges: Iterable<string | Range>): Matcher<string> {
  const entries: (readonly [Range, string])[] = [];
  for (const entry of ranges) {
    if (typeof entry === 'string') entries.push([parseRange(entry), entry]);
    else {
      checkRange(entry);
      entries.push([entry, formatRange(entry)]);
    }
  }
  return new RangeMap(entries);
}
