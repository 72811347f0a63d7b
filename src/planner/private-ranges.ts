/**
 * Ranges that are never the source of a connection to a public endpoint: private-use, loopback, link-local,
 * shared (CGNAT), documentation and other special-purpose blocks. An authorized entry inside one of them
 * admits nobody on the internet.
 */
import { parseRange } from '../cidr/parse.js';
import type { Range } from '../cidr/types.js';
import { specialBlockOf } from '../policy/special-ranges.js';
import { rangeContains } from './coverage.js';

const IPV6_BLOCKS: ReadonlyArray<readonly [Range, string]> = [
  [parseRange('::1/128'), 'loopback (RFC 4291)'],
  [parseRange('fc00::/7'), 'unique local (RFC 4193)'],
  [parseRange('fe80::/10'), 'link-local (RFC 4291)'],
  [parseRange('2001:db8::/32'), 'documentation (RFC 3849)'],
];

/** What kind of non-public block contains the range ("private-use (RFC 1918)"), or undefined if it is public. */
export function nonPublicBlock(range: Range): string | undefined {
  if (range.family === 4) {
    const block = specialBlockOf(range);
    return block === undefined ? undefined : `${block.cidr}, ${block.name}`;
  }
  for (const [block, name] of IPV6_BLOCKS) if (rangeContains(block, range)) return name;
  return undefined;
}
