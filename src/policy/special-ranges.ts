/**
 * IPv4 blocks that are not global (publicly routable) addresses, from the IANA IPv4 special-purpose address
 * registry (RFC 6890 and its successors) plus multicast and the reserved block. AKS accepts only global
 * addresses in its authorized IP ranges, so validation against the `aks` target refuses any entry that lies
 * inside one of these blocks.
 */
import { parseRange } from '../cidr/parse.js';
import type { Range } from '../cidr/types.js';

export interface SpecialBlock {
  readonly range: Range;
  readonly cidr: string;
  /** What the block is, for messages: "private-use (RFC 1918)". */
  readonly name: string;
}

const TABLE: ReadonlyArray<readonly [string, string]> = [
  ['0.0.0.0/8', '"this network" (RFC 791)'],
  ['10.0.0.0/8', 'private-use (RFC 1918)'],
  ['100.64.0.0/10', 'shared address space for carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback (RFC 1122)'],
  ['169.254.0.0/16', 'link-local (RFC 3927)'],
  ['172.16.0.0/12', 'private-use (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0/24', 'documentation TEST-NET-1 (RFC 5737)'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0/16', 'private-use (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking (RFC 2544)'],
  ['198.51.100.0/24', 'documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0/24', 'documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0/4', 'multicast (RFC 5771)'],
  ['240.0.0.0/4', 'reserved (RFC 1112)'],
  ['255.255.255.255/32', 'limited broadcast (RFC 919)'],
];

export const SPECIAL_IPV4_BLOCKS: readonly SpecialBlock[] = TABLE.map(([cidr, name]) => ({ range: parseRange(cidr), cidr, name }));

/** The special-purpose block that contains the whole range, or undefined when the range is not inside one. */
export function specialBlockOf(range: Range): SpecialBlock | undefined {
  if (range.family !== 4) return undefined;
  for (const block of SPECIAL_IPV4_BLOCKS) {
    if (range.prefix < block.range.prefix) continue;
    const shift = BigInt(32 - block.range.prefix);
    if (range.network >> shift === block.range.network >> shift) return block;
  }
  return undefined;
}
