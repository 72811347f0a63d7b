import type { Range } from './types.js';

/** The smallest list of prefixes covering exactly the same addresses, sorted (IPv4 first). */
export function mergeRanges(ranges: Iterable<Range>): Range[] {
  void ranges;
  throw new Error('not implemented');
}
