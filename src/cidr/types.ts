/** IP family: 4 or 6. IPv4 and IPv6 never match each other (IPv4-mapped IPv6 is parsed as IPv4). */
export type Family = 4 | 6;

/** One address. `value` is the address as an unsigned integer (32 bits for IPv4, 128 for IPv6). */
export interface Address {
  readonly family: Family;
  readonly value: bigint;
}

/** One prefix (CIDR block): `network` has no host bits set; `prefix` is 0-32 or 0-128. */
export interface Range {
  readonly family: Family;
  readonly network: bigint;
  readonly prefix: number;
}

export const BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

/** Number of addresses in a prefix of this family and length. */
export function rangeSize(range: Range): bigint {
  return 1n << BigInt(BITS[range.family] - range.prefix);
}

/** Last address of a range. */
export function rangeLast(range: Range): bigint {
  return range.network + rangeSize(range) - 1n;
}

/** Host-bit mask for a prefix length in a family (the bits that must be zero in a network). */
export function hostMask(family: Family, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - 1n;
}

/** Orders ranges by family, then network, then shorter prefix first. */
export function compareRanges(a: Range, b: Range): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.prefix - b.prefix;
}

export function containsAddress(range: Range, address: Address): boolean {
  if (range.family !== address.family) return false;
  return address.value >> BigInt(BITS[range.family] - range.prefix) === range.network >> BigInt(BITS[range.family] - range.prefix);
}
