/**
 * Allocation-free parsing of the common spellings: on the lookup path a plain dotted quad (`192.0.2.1`) and
 * its IPv4-mapped IPv6 form as dual-stack sockets report it (`::ffff:192.0.2.1`, any case); for profile
 * entries a dotted quad with an optional prefix length (`192.0.2.0/24`). Each only ever accepts text that
 * `parseAddress`/`parseRange` accept, with the same result; anything else returns -1 or undefined and the
 * caller falls back to the strict parser, so errors are exactly its own.
 */
import type { Range } from './types.js';

/** Dotted quad in text[from, n) as a uint32, or -1 when it is not a plain canonical dotted quad. */
function dottedQuad(text: string, from: number, n: number): number {
  let i = from;
  let value = 0;
  for (let part = 0; part < 4; part++) {
    // Up to three digits, no leading zero, at most 255; unrolled because this runs once per connection.
    let c = i < n ? text.charCodeAt(i) : 0;
    if (c < 48 || c > 57) return -1;
    let octet = c - 48;
    i++;
    c = i < n ? text.charCodeAt(i) : 0;
    if (c >= 48 && c <= 57) {
      if (octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      i++;
      c = i < n ? text.charCodeAt(i) : 0;
      if (c >= 48 && c <= 57) {
        octet = octet * 10 + (c - 48);
        if (octet > 255) return -1;
        i++;
        c = i < n ? text.charCodeAt(i) : 0;
      }
    }
    value = (value << 8) | octet;
    if (part < 3) {
      if (c !== 46) return -1;
      i++;
    }
  }
  return i === n ? value >>> 0 : -1;
}

function isF(c: number): boolean {
  return c === 102 || c === 70;
}

/**
 * The IPv4 address `text` denotes as a uint32 (0 to 2^32 - 1) when it is a plain dotted quad or
 * `::ffff:` followed by one; -1 otherwise (the text may still be valid: ask `parseAddress`).
 */
export function parseIpv4Fast(text: string): number {
  if (text.charCodeAt(0) !== 58) return dottedQuad(text, 0, text.length);
  if (text.charCodeAt(1) === 58 && isF(text.charCodeAt(2)) && isF(text.charCodeAt(3)) && isF(text.charCodeAt(4))
    && isF(text.charCodeAt(5)) && text.charCodeAt(6) === 58) {
    return dottedQuad(text, 7, text.length);
  }
  return -1;
}

/** The prefix length in text[from, text.length) when it is 0-32 written without a leading zero, else -1. */
function prefixLength(text: string, from: number): number {
  const digits = text.length - from;
  if (digits < 1 || digits > 2) return -1;
  const d0 = text.charCodeAt(from) - 48;
  if (d0 < 0 || d0 > 9) return -1;
  if (digits === 1) return d0;
  const d1 = text.charCodeAt(from + 1) - 48;
  if (d0 === 0 || d1 < 0 || d1 > 9) return -1;
  const n = d0 * 10 + d1;
  return n <= 32 ? n : -1;
}

/**
 * The IPv4 range `text` denotes, as the number network * 64 + prefix length, when it is a canonical dotted
 * quad with an optional `/0`-`/32`; -1 otherwise. (Equal numbers are equal ranges; no bigint is made.)
 */
export function ipv4RangeKeyFast(text: string): number {
  if (typeof text !== 'string') return -1;
  const slash = text.indexOf('/');
  const value = dottedQuad(text, 0, slash < 0 ? text.length : slash);
  if (value < 0) return -1;
  const prefix = slash < 0 ? 32 : prefixLength(text, slash + 1);
  if (prefix < 0) return -1;
  // Host bits (the low 32 - prefix bits) must be zero; a range with them set gets parseRange's error.
  const hostBitsClear = prefix === 32 || (prefix === 0 ? value === 0 : ((value << prefix) >>> 0) === 0);
  if (!hostBitsClear) return -1;
  return value * 64 + prefix;
}

/** The IPv4 range `text` denotes when it is a canonical dotted quad with an optional `/0`-`/32`; else undefined. */
export function parseIpv4RangeFast(text: string): Range | undefined {
  const key = ipv4RangeKeyFast(text);
  if (key < 0) return undefined;
  return { family: 4, network: BigInt(Math.floor(key / 64)), prefix: key % 64 };
}
