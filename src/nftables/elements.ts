/**
 * What the kernel sets hold, in both directions: a profile's allowed sources as interval-set elements for
 * nft's JSON input, and the elements nft lists back as intervals to compare with. Pure.
 *
 * The families are judged as ipgate judges them: an IPv4 client (also one a dual-stack socket reports as
 * `::ffff:a.b.c.d`) is an IPv4 packet in netfilter and is looked up in the IPv4 set; IPv6 entries never cover
 * the IPv4-mapped block ::ffff:0:0/96 (so `::/0` admits no IPv4 client). The kernel itself never accepts a
 * TCP connection from an IPv6 packet whose source is IPv4-mapped (tcp_v6_conn_request drops it), so leaving
 * the block out of the IPv6 set refuses nothing ipgate would let through.
 */
import { formatAddress } from '../cidr/format.js';
import { sameIntervals, subtractIntervals, type Interval } from '../cidr/intervals.js';
import { v4Count, v4PrefixLength, v4Same, v4Subtract, v4Text, v4ToIntervals, type V4Intervals } from '../cidr/intervals-v4.js';
import { parseIpv4Fast } from '../cidr/fast-ipv4.js';
import { parseAddress } from '../cidr/parse.js';
import { BITS, type Family } from '../cidr/types.js';
import type { CompiledProfile } from '../policy/decide.js';
import { AllowedSets, MAPPED_INTERVAL } from './allowed-sets.js';

export { MAPPED_INTERVAL };

/** The intervals of one set: IPv4 as numbers (the large lists), IPv6 as bigint. */
export type SetIntervals = V4Intervals | readonly Interval[];

export interface FamilySets {
  readonly 4: V4Intervals;
  readonly 6: readonly Interval[];
}

/** The sources a profile admits, per family, as the kernel sets hold them (from scratch). */
export function allowedIntervals(compiled: CompiledProfile): FamilySets {
  return new AllowedSets().of(compiled);
}

/** Number of intervals in a set. */
export function intervalCount(items: SetIntervals): number {
  return items instanceof Uint32Array ? v4Count(items) : items.length;
}

export function sameSet(a: SetIntervals, b: SetIntervals): boolean {
  if (a instanceof Uint32Array || b instanceof Uint32Array) return a instanceof Uint32Array && b instanceof Uint32Array && v4Same(a, b);
  return sameIntervals(a, b);
}

/** `a` minus `b`, of one family. */
export function subtractSet(a: V4Intervals, b: V4Intervals): V4Intervals;
export function subtractSet(a: readonly Interval[], b: readonly Interval[]): Interval[];
export function subtractSet(a: SetIntervals, b: SetIntervals): SetIntervals;
export function subtractSet(a: SetIntervals, b: SetIntervals): SetIntervals {
  if (a instanceof Uint32Array && b instanceof Uint32Array) return v4Subtract(a, b);
  return subtractIntervals(asIntervals(a), asIntervals(b));
}

/** Whether some source `before` admits is not admitted by `after` (a change that may cut open connections). */
export function narrows(before: FamilySets, after: FamilySets): boolean {
  return intervalCount(subtractSet(before[4], after[4])) > 0 || subtractSet(before[6], after[6]).length > 0;
}

/** As bigint intervals (IPv4 converted). */
export function asIntervals(items: SetIntervals): readonly Interval[] {
  return items instanceof Uint32Array ? v4ToIntervals(items) : items;
}

/** One element of nft's JSON: an address, a prefix or a range. */
export type NftElement = string | { readonly prefix: { readonly addr: string; readonly len: number } } | { readonly range: readonly [string, string] };

function text(family: Family, value: bigint): string {
  return formatAddress({ family, value });
}

/** The prefix length when the interval is exactly one aligned prefix, else undefined. */
function prefixLength(family: Family, i: Interval): number | undefined {
  const size = i.last - i.first + 1n;
  if ((size & (size - 1n)) !== 0n || (i.first & (size - 1n)) !== 0n) return undefined;
  return BITS[family] - (size.toString(2).length - 1);
}

/** The elements of a set for nft's JSON. */
export function elementsOf(family: Family, items: SetIntervals): NftElement[] {
  if (!(items instanceof Uint32Array)) return items.map((i) => elementOf(family, i));
  const out: NftElement[] = [];
  for (let k = 0; k < items.length; k += 2) {
    const first = items[k] as number;
    const last = items[k + 1] as number;
    const len = first === last ? 32 : v4PrefixLength(first, last);
    if (len === 32) out.push(v4Text(first));
    else if (len >= 0) out.push({ prefix: { addr: v4Text(first), len } });
    else out.push({ range: [v4Text(first), v4Text(last)] });
  }
  return out;
}

export function elementOf(family: Family, i: Interval): NftElement {
  if (i.first === i.last) return text(family, i.first);
  const len = prefixLength(family, i);
  if (len !== undefined) return { prefix: { addr: text(family, i.first), len } };
  return { range: [text(family, i.first), text(family, i.last)] };
}

/** An address as nft lists it, in the set's family (an IPv4-mapped IPv6 address stays IPv6). */
function addressValue(family: Family, value: string): bigint {
  const a = parseAddress(value);
  if (a.family === family) return a.value;
  if (family === 6 && a.family === 4) return (0xffffn << 32n) | a.value;
  throw new Error(`"${value}" is not an IPv${family} address`);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An IPv4 address as nft lists it, as a number. */
function v4Value(value: string): number {
  const fast = parseIpv4Fast(value);
  return fast >= 0 ? fast : Number(addressValue(4, value));
}

/**
 * Appends the first and last address of one listed element of an IPv4 set, as numbers, to `out`; throws on
 * a shape nft does not list for an address set. Runs once per element of a read back (100,000 for a large
 * list), so the usual shapes are tested first.
 */
export function v4PairOfElement(element: unknown, out: number[]): void {
  if (typeof element === 'string') {
    const v = v4Value(element);
    out.push(v, v);
    return;
  }
  const o = record(element);
  // `elem` entries with a timeout or comment are wrapped: { "elem": { "val": ..., ... } }.
  const wrapped = o !== undefined && 'elem' in o ? record(o['elem'])?.['val'] : undefined;
  if (wrapped !== undefined && record(wrapped)?.['elem'] === undefined) {
    v4PairOfElement(wrapped, out);
    return;
  }
  const prefix = record(o?.['prefix']);
  if (prefix !== undefined) {
    const addr = prefix['addr'];
    const len = prefix['len'];
    if (typeof addr === 'string' && typeof len === 'number' && Number.isInteger(len) && len >= 0 && len <= 32) {
      const first = v4Value(addr);
      const size = 2 ** (32 - len);
      out.push(first, first - (first % size) + size - 1);
      return;
    }
  }
  const range = o?.['range'];
  if (Array.isArray(range) && typeof range[0] === 'string' && typeof range[1] === 'string') {
    out.push(v4Value(range[0]), v4Value(range[1]));
    return;
  }
  throw new Error(`unexpected set element ${JSON.stringify(element)}`);
}

/** The interval of one listed element; throws on a shape nft does not list for an address set. */
export function intervalOfElement(family: Family, element: unknown): Interval {
  const bits = BITS[family];
  // `elem` entries with a timeout or comment are wrapped: { "elem": { "val": ..., ... } }.
  const wrapped = record(record(element)?.['elem'])?.['val'];
  const e = wrapped ?? element;
  if (typeof e === 'string') {
    const v = addressValue(family, e);
    return { first: v, last: v };
  }
  const prefix = record(record(e)?.['prefix']);
  if (prefix !== undefined && typeof prefix['addr'] === 'string' && typeof prefix['len'] === 'number') {
    const first = addressValue(family, prefix['addr']);
    const host = (1n << BigInt(bits - prefix['len'])) - 1n;
    return { first, last: first | host };
  }
  const range = record(e)?.['range'];
  if (Array.isArray(range) && typeof range[0] === 'string' && typeof range[1] === 'string') {
    return { first: addressValue(family, range[0]), last: addressValue(family, range[1]) };
  }
  throw new Error(`unexpected set element ${JSON.stringify(element)}`);
}
