/**
 * Lossless merge: the smallest list of prefixes covering exactly the addresses of the input. Overlapping,
 * nested and adjacent ranges are combined into maximal intervals, and each interval is cut into the fewest
 * aligned prefixes (prefixes never span a gap, so the result is minimal). IPv4 works on plain numbers
 * (a 32-bit address fits a double exactly), IPv6 on bigint.
 */
import { IpgateError } from '../errors.js';
import { BITS, type Range } from './types.js';

const V4_SPACE = 2 ** 32;
const V6_SPACE = 1n << 128n;

/** Throws unless `range` is a well-formed Range (family, prefix, network within the family, no host bits). */
export function checkRange(range: Range): void {
  const ok = range !== null && typeof range === 'object'
    && (range.family === 4 || range.family === 6)
    && Number.isInteger(range.prefix) && range.prefix >= 0 && range.prefix <= BITS[range.family]
    && typeof range.network === 'bigint' && range.network >= 0n
    && range.network < (range.family === 4 ? 1n << 32n : V6_SPACE)
    && (range.network & ((1n << BigInt(BITS[range.family] - range.prefix)) - 1n)) === 0n;
  if (!ok) {
    throw new IpgateError('ERR_RANGE_INVALID', 'Invalid range object: expected { family: 4 | 6, network: bigint without host bits, prefix: 0-32 | 0-128 }');
  }
}

/** Cuts [start, after) (IPv4, numbers) into the fewest aligned prefixes, appended to `out`. */
function splitV4(start: number, after: number, out: Range[]): void {
  let x = start;
  while (x < after) {
    if (x === 0 && after === V4_SPACE) {
      out.push({ family: 4, network: 0n, prefix: 0 });
      return;
    }
    // Largest block aligned at x that still fits before `after` (x === 0 is aligned to everything).
    const alignBits = x === 0 ? 32 : 31 - Math.clz32(x & -x);
    const fitBits = 31 - Math.clz32(after - x); // after - x < 2^32 here
    const bits = alignBits < fitBits ? alignBits : fitBits;
    out.push({ family: 4, network: BigInt(x), prefix: 32 - bits });
    x += 2 ** bits;
  }
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Cuts [start, after) (IPv6, bigint) into the fewest aligned prefixes, appended to `out`. */
function splitV6(start: bigint, after: bigint, out: Range[]): void {
  let x = start;
  while (x < after) {
    const alignBits = x === 0n ? 128 : bitLength(x & -x) - 1;
    const fitBits = bitLength(after - x) - 1;
    const bits = alignBits < fitBits ? alignBits : fitBits;
    out.push({ family: 6, network: x, prefix: 128 - bits });
    x += 1n << BigInt(bits);
  }
}

function mergeV4(keys: Float64Array, out: Range[]): void {
  // key = network * 64 + prefix: sorting the keys sorts by network, then by prefix (exact below 2^53).
  keys.sort();
  let curStart = -1;
  let curAfter = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number;
    const prefix = key % 64;
    const start = (key - prefix) / 64;
    const after = start + 2 ** (32 - prefix);
    if (start <= curAfter) {
      if (after > curAfter) curAfter = after;
    } else {
      if (curStart >= 0) splitV4(curStart, curAfter, out);
      curStart = start;
      curAfter = after;
    }
  }
  if (curStart >= 0) splitV4(curStart, curAfter, out);
}

function mergeV6(ranges: Range[], out: Range[]): void {
  const items = ranges.map((r) => ({ start: r.network, after: r.network + (1n << BigInt(128 - r.prefix)) }));
  items.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let curStart = -1n;
  let curAfter = -1n;
  for (const { start, after } of items) {
    if (start <= curAfter) {
      if (after > curAfter) curAfter = after;
    } else {
      if (curStart >= 0n) splitV6(curStart, curAfter, out);
      curStart = start;
      curAfter = after;
    }
  }
  if (curStart >= 0n) splitV6(curStart, curAfter, out);
}

/**
 * The smallest list of prefixes covering exactly the same addresses as `ranges`, sorted IPv4 first, then by
 * network. Throws IpgateError (ERR_RANGE_INVALID) on a malformed Range object.
 */
export function mergeRanges(ranges: Iterable<Range>): Range[] {
  const v4: number[] = [];
  const v6: Range[] = [];
  for (const range of ranges) {
    checkRange(range);
    if (range.family === 4) v4.push(Number(range.network) * 64 + range.prefix);
    else v6.push(range);
  }
  const out: Range[] = [];
  mergeV4(Float64Array.from(v4), out);
  mergeV6(v6, out);
  return out;
}
