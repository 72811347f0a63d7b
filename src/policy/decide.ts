/**
 * The decision: a profile compiles once (parse, validate, build matchers) into a function from a source
 * address to a verdict. Verdicts are built at compile time, one per entry, so a decision allocates nothing.
 * A disabled profile allows everyone; otherwise the most specific entry of either list decides.
 */
import { compileRangeMap, type RangeMap } from '../cidr/matcher.js';
import { formatRange } from '../cidr/format.js';
import { parseAddress, parseRange } from '../cidr/parse.js';
import type { Address, Range } from '../cidr/types.js';
import { IpgateError } from '../errors.js';
import type { Profile, Verdict } from './profile.js';
import { isEgressOnlySentinel, validateProfile, type ProfileProblem } from './validate.js';

export interface CompiledProfile {
  readonly profile: Profile;
  /** The decision for one source address (string parsed strictly; IPv4-mapped IPv6 is IPv4). */
  decide(address: string | Address): Verdict;
  /** Number of entries (authorized + egress). */
  readonly entries: number;
}

/** Thrown by compileProfile for an invalid profile; `problems` holds every problem found. */
export class ProfileInvalidError extends IpgateError {
  readonly problems: readonly ProfileProblem[];

  constructor(problems: readonly ProfileProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const lines = errors.map((p) => (p.field === undefined ? p.message : `${p.field}[${p.index ?? 0}]: ${p.message}`));
    super('ERR_PROFILE_INVALID', `Invalid access profile (${errors.length} problem${errors.length === 1 ? '' : 's'}): ${lines.join('; ')}`);
    this.problems = problems;
  }
}

const DISABLED: Verdict = Object.freeze({ allowed: true, reason: 'disabled' });
const NOT_AUTHORIZED: Verdict = Object.freeze({ allowed: false, reason: 'not-authorized' });
const EGRESS_ONLY_DENIED: Verdict = Object.freeze({ allowed: false, reason: 'egress-only' });

/**
 * One lookup table for both lists: each range maps to its (frozen, shared) verdict. An egress range equal to
 * an authorized one is left out, so on equal ranges the authorized entry is named.
 */
function verdictTable(authorized: readonly string[], egress: readonly string[]): RangeMap<Verdict> {
  const rows: (readonly [Range, Verdict])[] = [];
  const seen = new Set<string>();
  for (const entry of authorized) {
    const range = parseRange(entry);
    seen.add(formatRange(range));
    rows.push([range, Object.freeze({ allowed: true, reason: 'authorized', matched: entry })]);
  }
  for (const entry of egress) {
    const range = parseRange(entry);
    if (seen.has(formatRange(range))) continue;
    rows.push([range, Object.freeze({ allowed: true, reason: 'egress', matched: entry })]);
  }
  return compileRangeMap(rows);
}

/**
 * Compiles a profile once into a decision function. Throws IpgateError (ERR_PROFILE_INVALID, with a
 * `problems` array) listing every problem when the profile is invalid (validateProfile with target ipgate).
 * The most specific matching entry of either list decides (on equal ranges, the authorized entry).
 */
export function compileProfile(profile: Profile): CompiledProfile {
  const result = validateProfile(profile, { target: 'ipgate' });
  if (!result.valid) throw new ProfileInvalidError(result.problems);
  const snapshot: Profile = Object.freeze({
    authorizedIpRanges: Object.freeze([...profile.authorizedIpRanges]),
    egressIpRanges: Object.freeze([...profile.egressIpRanges]),
  });
  const entries = snapshot.authorizedIpRanges.length + snapshot.egressIpRanges.length;
  if (snapshot.authorizedIpRanges.length === 0) {
    return {
      profile: snapshot,
      entries,
      decide(address) {
        if (typeof address === 'string') parseAddress(address); // an invalid address is an error, even here
        return DISABLED;
      },
    };
  }
  const only = snapshot.authorizedIpRanges[0];
  const egressOnly = snapshot.authorizedIpRanges.length === 1 && only !== undefined && isEgressOnlySentinel(parseRange(only));
  const table = verdictTable(egressOnly ? [] : snapshot.authorizedIpRanges, snapshot.egressIpRanges);
  const miss = egressOnly ? EGRESS_ONLY_DENIED : NOT_AUTHORIZED;
  return {
    profile: snapshot,
    entries,
    decide: (address) => table.match(address) ?? miss,
  };
}

/** One-off decision; compile once with compileProfile for repeated use. */
export function decide(profile: Profile, address: string | Address): Verdict {
  return compileProfile(profile).decide(address);
}
