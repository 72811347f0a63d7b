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
import { intervalsOf, subtractIntervals, type Interval } from '../cidr/intervals.js';
import { parseAddress } from '../cidr/parse.js';
import { BITS, type Family } from '../cidr/types.js';
import { allowedRanges } from '../policy/allowed.js';
import type { CompiledProfile } from '../policy/decide.js';

/** ::ffff:0:0/96 as an interval. */
export const MAPPED_INTERVAL: Interval = { first: 0xffffn << 32n, last: (0xffffn << 32n) | 0xffffffffn };

export interface FamilySets {
  readonly 4: Interval[];
  readonly 6: Interval[];
}

/** The sources a profile admits, per family, as the kernel sets hold them. */
export function allowedIntervals(compiled: CompiledProfile): FamilySets {
  const ranges = allowedRanges(compiled);
  return { 4: intervalsOf(ranges, 4), 6: subtractIntervals(intervalsOf(ranges, 6), [MAPPED_INTERVAL]) };
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
