/**
 * The sources a profile admits, as ranges: the one meaning every data plane that enforces outside ipgate's
 * own listeners (an HAProxy map, kernel sets) writes down. Disabled: everything; `0.0.0.0/32` alone: the
 * egress ranges; otherwise authorized plus egress, merged.
 */
import { mergeRanges } from '../cidr/merge.js';
import { parseRange } from '../cidr/parse.js';
import type { Range } from '../cidr/types.js';
import type { CompiledProfile } from './decide.js';
import type { Profile } from './profile.js';
import { isEgressOnlySentinel } from './validate.js';

/**
 * The parsed lists: a compiled profile carries them (parsed once, at compile time); a plain profile is
 * parsed here.
 */
function listsOf(source: Profile | CompiledProfile): { authorized: readonly Range[]; egress: readonly Range[] } {
  if ('decide' in source) {
    const { authorizedRanges, egressRanges } = source;
    if (authorizedRanges !== undefined && egressRanges !== undefined) {
      return { authorized: authorizedRanges.map((e) => e.range), egress: egressRanges.map((e) => e.range) };
    }
    return listsOf(source.profile);
  }
  return { authorized: source.authorizedIpRanges.map(parseRange), egress: source.egressIpRanges.map(parseRange) };
}

/** The ranges of a profile's decision (allowed sources), merged; IPv4-mapped entries are already IPv4. */
export function allowedRanges(source: Profile | CompiledProfile): Range[] {
  const { authorized, egress } = listsOf(source);
  if (authorized.length === 0) {
    return [
      { family: 4, network: 0n, prefix: 0 },
      { family: 6, network: 0n, prefix: 0 },
    ];
  }
  const egressOnly = authorized.length === 1 && authorized[0] !== undefined && isEgressOnlySentinel(authorized[0]);
  return mergeRanges(egressOnly ? egress : [...authorized, ...egress]);
}
