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
interface Intervals<T> {
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

  constructor(intervals: Intervals<number>) {
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

function buildTable4(ranges: readonly Range[], labels: readonly number[]): Table4 {
  const n = ranges.length;
  const starts = new Float64Array(n);
  const afters = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = ranges[i] as Range;
    starts[i] = Number(r.network);
    afters[i] = (starts[i] as number) + 2 ** (32 - r.prefix);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (starts[a] as number) - (starts[b] as number) || (afters[b] as number) - (afters[a] as number)
    || (labels[a] as number) - (labels[b] as number));
  return new Table4(sweep(order, starts, afters, (i) => labels[i] as number, 0, V4_SPACE));
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
 * A compiled lookup from ranges to values: the most specific range containing an address gives its value.
 * Policy code compiles once and asks with strings or already parsed Address objects.
 */
export class RangeMap<E> implements Matcher<E> {
  readonly size: number;
  private readonly values: E[];
  private readonly v4: Table4;
  private readonly v6: Table6;

  constructor(entries: Iterable<readonly [Range, E]>) {
    const values: E[] = [];
    const r4: Range[] = [];
    const l4: number[] = [];
    const r6: Range[] = [];
    const l6: number[] = [];
    for (const [range, value] of entries) {
      checkRange(range);
      const r = normalizeRange(range);
      if (r.family === 4) {
        r4.push(r);
        l4.push(values.length);
      } else {
        r6.push(r);
        l6.push(values.length);
      }
      values.push(value);
    }
    this.values = values;
    this.size = values.length;
    this.v4 = buildTable4(r4, l4);
    this.v6 = buildTable6(r6, l6);
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
