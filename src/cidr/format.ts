/** Canonical text for addresses and ranges: dotted quad for IPv4, RFC 5952 for IPv6. */
import type { Address, Range } from './types.js';

function formatIpv4(value: bigint): string {
  const v = Number(value);
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups (the first one on a tie).
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && groups[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      const len = i - runStart;
      if (len > bestLen) {
        bestStart = runStart;
        bestLen = len;
      }
      runStart = -1;
    }
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatAddress(address: Address): string {
  return address.family === 4 ? formatIpv4(address.value) : formatIpv6(address.value);
}

export function formatRange(range: Range): string {
  const addr = range.family === 4 ? formatIpv4(range.network) : formatIpv6(range.network);
  return `${addr}/${range.prefix}`;
}

/**
 * The address a socket reports, as ipgate judges and logs it: a dual-stack socket's IPv4 client
 * (`::ffff:192.0.2.1`) as `192.0.2.1`, every other address unchanged. Text in, text out, for the connection
 * path (the same rule as parseAddress, which reads any IPv4-mapped spelling as IPv4).
 */
export function socketAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
