import type { Range } from './types.js';

export interface CondenseOptions {
  /** Largest number of prefixes in the result (per the whole list, both families together). */
  readonly max: number;
  /** Addresses that must not be covered. */
  readonly exclude?: Iterable<Range>;
}

export interface CondenseResult {
  readonly ranges: Range[];
  /** Addresses covered beyond the input. */
  readonly extraAddresses: bigint;
  /** Addresses in the (merged) input. */
  readonly requiredAddresses: bigint;
}

/** At most `max` prefixes covering every input address and no excluded address, with the fewest extra addresses. */
export function condense(ranges: Iterable<Range>, options: CondenseOptions): CondenseResult {
  void ranges;
  void options;
  throw new Error('not implemented');
}
