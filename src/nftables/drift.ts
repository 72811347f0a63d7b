/**
 * What differs between the table as read back and what ipgate wrote (pure): per set, the addresses it
 * lacks and the ones it holds that it should not; and whether the chains, rules, sets or counters changed.
 * Worded for the ERR_NFT_DRIFT log line.
 */
import { formatAddress } from '../cidr/format.js';
import type { Interval } from '../cidr/intervals.js';
import type { Family } from '../cidr/types.js';
import { asIntervals, intervalCount, sameSet, subtractSet, type SetIntervals } from './elements.js';
import type { TableListing } from './readback.js';
import { SET_ROLES, setName, type SetContents } from './ruleset.js';

function describe(family: Family, set: SetIntervals): string {
  const items: readonly Interval[] = asIntervals(set instanceof Uint32Array ? set.subarray(0, 6) : set.slice(0, 3));
  const total = intervalCount(set);
  const shown = items.map((i) => (i.first === i.last ? formatAddress({ family, value: i.first }) : `${formatAddress({ family, value: i.first })}-${formatAddress({ family, value: i.last })}`));
  return `${shown.join(', ')}${total > 3 ? ` and ${total - 3} more` : ''}`;
}

/** The differences in words, empty when the listing holds what was written. `sets` limits the check to those sets. */
export function driftOf(listing: TableListing, expected: SetContents, shape: string | undefined, sets?: readonly string[]): string[] {
  const out: string[] = [];
  for (const role of SET_ROLES) {
    for (const family of [4, 6] as const) {
      const name = setName(role, family);
      if (sets !== undefined && !sets.includes(name)) continue;
      const listed = listing.sets.get(name);
      if (listed === undefined) {
        out.push(`set ${name} is missing`);
        continue;
      }
      const want = expected[role][family];
      if (sameSet(listed.intervals, want)) continue;
      const lacks = subtractSet(want, listed.intervals);
      const extra = subtractSet(listed.intervals, want);
      if (intervalCount(lacks) > 0) out.push(`set ${name} lacks ${describe(family, lacks)}`);
      if (intervalCount(extra) > 0) out.push(`set ${name} holds ${describe(family, extra)}, which the profile does not`);
    }
  }
  if (shape !== undefined && sets === undefined && listing.shape !== shape) out.push('the chains, rules, sets or counters were changed');
  return out;
}
