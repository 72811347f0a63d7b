/**
 * Allocation-free parsing of the common address spellings on the lookup path: a plain dotted quad
 * (`192.0.2.1`) and its IPv4-mapped IPv6 form as dual-stack sockets report it (`::ffff:192.0.2.1`, any case).
 * It only ever accepts text that `parseAddress` accepts with the same value; anything else returns -1 and
 * the caller falls back to `parseAddress`, so errors are exactly the strict parser's.
 */

/** Dotted quad in text[from, text.length) as a uint32, or -1 when it is not a plain canonical dotted quad. */
function dottedQuad(text: string, from: number): number {
  const n = text.length;
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
  if (text.charCodeAt(0) !== 58) return dottedQuad(text, 0);
  if (text.charCodeAt(1) === 58 && isF(text.charCodeAt(2)) && isF(text.charCodeAt(3)) && isF(text.charCodeAt(4))
    && isF(text.charCodeAt(5)) && text.charCodeAt(6) === 58) {
    return dottedQuad(text, 7);
  }
  return -1;
}
