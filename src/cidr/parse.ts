/**
 * Strict parsing of addresses and ranges. An allow-list is a security boundary, so anything a library
 * somewhere might read differently is refused with an error that says why and, where possible, the fix:
 * leading zeros (octal in some parsers), hex, short forms (`127.1`), whitespace, zone ids, netmask forms and
 * host bits set in a prefix.
 */
import { IpgateError, type ErrorCode } from '../errors.js';
import { BITS, hostMask, type Address, type Family, type Range } from './types.js';
import { formatAddress, formatRange } from './format.js';

const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

function fail(code: ErrorCode, input: string, message: string, position?: number, suggestion?: string): never {
  throw new IpgateError(code, message, {
    input,
    ...(position === undefined ? {} : { position }),
    ...(suggestion === undefined ? {} : { suggestion }),
  });
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(c: number): number {
  if (c <= 57) return c - 48;
  if (c >= 97) return c - 87;
  return c - 55;
}

/** Refuses empty input, whitespace anywhere and (for addresses) zone ids, with a suggestion. */
function checkCommon(input: string, what: string): void {
  if (input.length === 0) fail('ERR_EMPTY', input, `Cannot parse an empty string as ${what}`);
  const ws = input.search(/\s/);
  if (ws >= 0) {
    const trimmed = input.trim();
    fail('ERR_WHITESPACE', input, `Cannot parse ${quote(input)} as ${what}: it contains whitespace at position ${ws}`, ws,
      trimmed.length > 0 && !/\s/.test(trimmed) ? trimmed : undefined);
  }
  const zone = input.indexOf('%');
  if (zone >= 0) {
    const slash = input.indexOf('/', zone);
    const without = input.slice(0, zone) + (slash >= 0 ? input.slice(slash) : '');
    fail('ERR_ZONE_ID', input, `Cannot parse ${quote(input)} as ${what}: a zone id (${input.slice(zone, slash >= 0 ? slash : undefined)}) is never valid in an allow-list`, zone, without);
  }
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    const inner = close > 0 ? input.slice(1, close) + input.slice(close + 1) : undefined;
    fail('ERR_BRACKETS', input, `Cannot parse ${quote(input)} as ${what}: remove the brackets around the IPv6 address`, 0, inner);
  }
}

/** Parses a dotted-quad IPv4 address within text[start, end). Returns the 32-bit value. */
function parseIpv4Part(input: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (true) {
    const partStart = i;
    let octet = 0;
    while (i < end && isDigit(input.charCodeAt(i))) {
      octet = octet * 10 + (input.charCodeAt(i) - 48);
      i++;
      if (i - partStart > 3) break;
    }
    const digits = i - partStart;
    if (digits === 0) {
      const c = input[i];
      if (c === undefined || i >= end || c === '.') {
        fail('ERR_IPV4_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv4 address: empty octet at position ${i}; an IPv4 address is four decimal numbers 0-255 separated by dots`, i);
      }
      fail('ERR_IPV4_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv4 address: unexpected ${quote(c)} at position ${i}; only decimal digits and dots are allowed`, i);
    }
    if (i < end && isDigit(input.charCodeAt(i))) {
      fail('ERR_IPV4_OCTET', input, `Cannot parse ${quote(input)} as an IPv4 address: octet at position ${partStart} is greater than 255`, partStart);
    }
    if (digits > 1 && input.charCodeAt(partStart) === 48) {
      fail('ERR_IPV4_LEADING_ZERO', input, `Cannot parse ${quote(input)} as an IPv4 address: octet ${quote(input.slice(partStart, i))} at position ${partStart} has a leading zero, which some software reads as octal`, partStart, suggestLeadingZeros(input));
    }
    if (octet > 255) {
      fail('ERR_IPV4_OCTET', input, `Cannot parse ${quote(input)} as an IPv4 address: octet ${octet} at position ${partStart} is greater than 255`, partStart);
    }
    value = value * 256 + octet;
    parts++;
    if (i >= end) break;
    const c = input.charCodeAt(i);
    if (c !== 46) {
      const ch = input[i] ?? '';
      const hex = ch === 'x' || ch === 'X';
      fail('ERR_IPV4_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv4 address: unexpected ${quote(ch)} at position ${i}${hex ? '; hexadecimal forms are not accepted' : '; only decimal digits and dots are allowed'}`, i);
    }
    if (parts === 4) {
      fail('ERR_IPV4_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv4 address: more than four octets`, i);
    }
    i++;
  }
  if (parts !== 4) {
    const part = start === 0 && end === input.length ? '' : ` (in ${quote(input)})`;
    fail('ERR_IPV4_SHORT', input, `Cannot parse ${quote(input.slice(start, end))}${part} as an IPv4 address: it has ${parts} part${parts === 1 ? '' : 's'}; write all four octets (short forms like 127.1 are not accepted)`, start);
  }
  return value;
}

/** When every octet is a plain decimal with leading zeros, suggests the same text without them. */
function suggestLeadingZeros(input: string): string | undefined {
  const fixed = input.replace(/(^|[.:])0+(\d)/g, '$1$2');
  return fixed !== input && /^(\d{1,3}\.){3}\d{1,3}(\/\d+)?$/.test(fixed) ? fixed : undefined;
}

/** Parses an IPv6 address within text[start, end). Returns the 128-bit value. */
function parseIpv6Part(input: string, start: number, end: number): bigint {
  const groups: number[] = [];
  let compressAt = -1;
  let i = start;
  if (input.startsWith('::', i)) {
    compressAt = 0;
    i += 2;
    if (i === end) return 0n;
  } else if (input.charCodeAt(i) === 58) {
    fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: it starts with a single ":"`, i);
  }
  let trailingV4: number | undefined;
  while (i < end) {
    const groupStart = i;
    let value = 0;
    while (i < end && isHexDigit(input.charCodeAt(i))) {
      value = value * 16 + hexValue(input.charCodeAt(i));
      i++;
    }
    const digits = i - groupStart;
    if (i < end && input.charCodeAt(i) === 46) {
      // trailing dotted IPv4: must be the last part
      if (!/^\d+$/.test(input.slice(groupStart, i))) {
        fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: invalid embedded IPv4 part at position ${groupStart}`, groupStart);
      }
      trailingV4 = parseIpv4Part(input, groupStart, end);
      i = end;
      break;
    }
    if (digits === 0) {
      const ch = input[i] ?? '';
      fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: ${i >= end ? 'it ends with a single ":"' : `unexpected ${quote(ch)} at position ${i}`}`, i);
    }
    if (digits > 4) {
      fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: group at position ${groupStart} has more than four hex digits`, groupStart);
    }
    groups.push(value);
    if (i >= end) break;
    if (input.charCodeAt(i) !== 58) {
      fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: unexpected ${quote(input[i] ?? '')} at position ${i}`, i);
    }
    i++;
    if (i < end && input.charCodeAt(i) === 58) {
      if (compressAt >= 0) {
        fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: "::" may appear only once`, i - 1);
      }
      compressAt = groups.length;
      i++;
      if (i === end) break;
      if (input.charCodeAt(i) === 58) {
        fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: ":::" at position ${i - 2}`, i - 2);
      }
    } else if (i === end) {
      fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: it ends with a single ":"`, i - 1);
    }
  }
  const wanted = trailingV4 === undefined ? 8 : 6;
  if (compressAt < 0 && groups.length !== wanted) {
    fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: it has ${groups.length + (trailingV4 === undefined ? 0 : 2)} groups of 16 bits, not 8 (use "::" for a run of zeros)`, start);
  }
  if (compressAt >= 0 && groups.length > wanted - 1) {
    fail('ERR_IPV6_SYNTAX', input, `Cannot parse ${quote(input)} as an IPv6 address: too many groups for "::"`, start);
  }
  const full: number[] = compressAt < 0
    ? groups
    : [...groups.slice(0, compressAt), ...new Array<number>(wanted - groups.length).fill(0), ...groups.slice(compressAt)];
  let value = 0n;
  for (const g of full) value = (value << 16n) | BigInt(g);
  if (trailingV4 !== undefined) value = (value << 32n) | BigInt(trailingV4);
  return value;
}

/** Parses text[start, end) as an address of either family, without mapping. */
function parseRaw(input: string, start: number, end: number): Address {
  for (let i = start; i < end; i++) {
    const c = input.charCodeAt(i);
    if (c === 58) return { family: 6, value: parseIpv6Part(input, start, end) };
    if (c === 46) break;
  }
  const lead = input.slice(start, end);
  if (/^0[xX]/.test(lead)) {
    fail('ERR_IPV4_SYNTAX', input, `Cannot parse ${quote(input)} as an IP address: hexadecimal forms are not accepted; write the address as four decimal octets`, start);
  }
  if (/^\d+$/.test(lead)) {
    fail('ERR_IPV4_SHORT', input, `Cannot parse ${quote(input)} as an IP address: a bare integer is not accepted; write four decimal octets like 192.0.2.1`, start);
  }
  if (!/^[\d.]+$/.test(lead) && !/^\d+\./.test(lead)) {
    fail('ERR_ADDRESS_SYNTAX', input, `Cannot parse ${quote(input)} as an IP address: expected an IPv4 address like 192.0.2.1 or an IPv6 address like 2001:db8::1`, start);
  }
  return { family: 4, value: BigInt(parseIpv4Part(input, start, end)) };
}

/** If an IPv6 address is IPv4-mapped (::ffff:a.b.c.d), the IPv4 address; otherwise the address itself. */
export function unmapAddress(address: Address): Address {
  if (address.family === 6 && address.value >> 32n === 0xffffn) {
    return { family: 4, value: address.value & 0xffffffffn };
  }
  return address;
}

/**
 * Parses one IP address. IPv4-mapped IPv6 (`::ffff:192.0.2.1`, `::ffff:c000:201`) is returned as the IPv4
 * address, as dual-stack sockets report IPv4 clients that way. Throws IpgateError on anything else.
 */
export function parseAddress(text: string): Address {
  if (typeof text !== 'string') {
    throw new IpgateError('ERR_ADDRESS_TYPE', `Expected an IP address as a string, got ${typeof text}`);
  }
  checkCommon(text, 'an IP address');
  if (text.includes('/')) {
    fail('ERR_ADDRESS_SYNTAX', text, `Cannot parse ${quote(text)} as an IP address: it has a prefix length; give a single address`, text.indexOf('/'), text.slice(0, text.indexOf('/')));
  }
  return unmapAddress(parseRaw(text, 0, text.length));
}

function parsePrefixLength(input: string, start: number, family: Family, address: bigint): number {
  const text = input.slice(start);
  const max = BITS[family];
  if (text.length === 0) {
    fail('ERR_PREFIX_LENGTH', input, `Cannot parse ${quote(input)} as a range: the prefix length after "/" is missing`, start);
  }
  if (family === 4 && text.includes('.')) {
    let suggestion: string | undefined;
    try {
      const mask = parseIpv4Part(input, start, input.length);
      const ones = Math.clz32(~mask >>> 0);
      if (((mask << ones) >>> 0) === 0 || ones === 32) {
        // The equivalent prefix length, on the network address when the address has host bits set.
        suggestion = formatRange({ family: 4, network: address & ~hostMask(4, ones), prefix: ones });
      }
    } catch {
      suggestion = undefined;
    }
    fail('ERR_PREFIX_NETMASK', input, `Cannot parse ${quote(input)} as a range: netmask notation is not accepted; write the prefix length${suggestion === undefined ? '' : ` (${suggestion})`}`, start, suggestion);
  }
  if (!/^\d+$/.test(text)) {
    fail('ERR_PREFIX_LENGTH', input, `Cannot parse ${quote(input)} as a range: the prefix length ${quote(text)} is not a decimal number from 0 to ${max}`, start);
  }
  if (text.length > 1 && text.startsWith('0')) {
    fail('ERR_PREFIX_LENGTH', input, `Cannot parse ${quote(input)} as a range: the prefix length ${quote(text)} has a leading zero`, start, `${input.slice(0, start)}${Number(text)}`);
  }
  const n = Number(text);
  if (n > max) {
    fail('ERR_PREFIX_LENGTH', input, `Cannot parse ${quote(input)} as a range: prefix length ${text} is out of range for IPv${family} (0-${max})`, start);
  }
  return n;
}

/**
 * Parses a CIDR range or a bare address (= /32 or /128). Host bits must be zero: the error suggests the
 * network address (`137.117.106.90/29` -> `137.117.106.88/29`). IPv4-mapped IPv6 ranges inside
 * ::ffff:0:0/96 are returned as the equivalent IPv4 range.
 */
export function parseRange(text: string): Range {
  if (typeof text !== 'string') {
    throw new IpgateError('ERR_RANGE_TYPE', `Expected an IP range as a string, got ${typeof text}`);
  }
  checkCommon(text, 'an IP range');
  const slash = text.indexOf('/');
  const end = slash < 0 ? text.length : slash;
  if (end === 0) fail('ERR_ADDRESS_SYNTAX', text, `Cannot parse ${quote(text)} as an IP range: the address before "/" is missing`, 0);
  const raw = parseRaw(text, 0, end);
  const prefix = slash < 0 ? BITS[raw.family] : parsePrefixLength(text, slash + 1, raw.family, raw.value);
  if (text.indexOf('/', slash + 1) >= 0 && slash >= 0) {
    fail('ERR_PREFIX_LENGTH', text, `Cannot parse ${quote(text)} as a range: more than one "/"`, text.indexOf('/', slash + 1));
  }
  const host = raw.value & hostMask(raw.family, prefix);
  if (host !== 0n) {
    const network: Range = { family: raw.family, network: raw.value - host, prefix };
    const suggestion = formatRange(network);
    fail('ERR_HOST_BITS', text, `${text} has host bits set; did you mean ${suggestion}? (a range must start at its first address)`, slash + 1, suggestion);
  }
  if (raw.family === 6 && prefix >= 96 && raw.value >> 32n === 0xffffn) {
    return { family: 4, network: raw.value & 0xffffffffn, prefix: prefix - 96 };
  }
  return { family: raw.family, network: raw.value, prefix };
}

/** True when `text` parses as a range. */
export function isRange(text: string): boolean {
  try {
    parseRange(text);
    return true;
  } catch {
    return false;
  }
}

export { MAPPED_PREFIX, formatAddress };
