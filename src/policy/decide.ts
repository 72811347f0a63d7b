/**
 * The decision: a profile compiles once (parse, validate, build matchers) into a function from a source
 * address to a verdict. The lookup table is built when the first address is decided, and an entry's verdict
 * the first time it decides, then both are kept: compiling a large list makes no object per entry and a
 * later decision by the same entry allocates nothing.
 * A disabled profile allows everyone; otherwise the most specific entry of either list decides.
 */
import { RangeIndex } from '../cidr/matcher.js';
import { parseAddress } from '../cidr/parse.js';
import type { Address, Range } from '../cidr/types.js';
import { IpgateError } from '../errors.js';
import { heldList, type Profile, type Verdict } from './profile.js';
import { analyzeProfile, isEgressOnlySentinel, type ParsedEntry, type ProfileAnalysis, type ProfileProblem } from './validate.js';

/** One entry of a compiled profile: the text as written and the range it denotes. */
export interface CompiledEntry {
  readonly entry: string;
  readonly range: Range;
}

export interface CompiledProfile {
  readonly profile: Profile;
  /** The decision for one source address (string parsed strictly; IPv4-mapped IPv6 is IPv4). */
  decide(address: string | Address): Verdict;
  /** Number of entries (authorized + egress). */
  readonly entries: number;
  /**
   * The entries of `profile.authorizedIpRanges` and `profile.egressIpRanges`, parsed, in list order, so
   * consumers (the HAProxy map) need not parse them again. Absent on a hand-made CompiledProfile: parse
   * `profile` then (see compiledRanges).
   */
  readonly authorizedRanges?: readonly CompiledEntry[];
  readonly egressRanges?: readonly CompiledEntry[];
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
 * One lookup table for both lists, each entry's (frozen) verdict made when it first decides. The authorized
 * rows come first and the table keeps the first of equal ranges, so on equal ranges the authorized entry is
 * named.
 */
function verdictTable(authorized: readonly CompiledEntry[], egress: readonly CompiledEntry[], miss: Verdict): (address: string | Address) => Verdict {
  const a = authorized.length;
  // Built by the first decision, not by the compile: a data plane that enforces elsewhere (the kernel's
  // sets) takes a large profile's change without paying for a table nothing may ask.
  let index: RangeIndex | undefined;
  const verdicts: (Verdict | undefined)[] = [];
  const make = (i: number): Verdict => {
    const verdict: Verdict = i < a
      ? Object.freeze({ allowed: true, reason: 'authorized', matched: (authorized[i] as CompiledEntry).entry })
      : Object.freeze({ allowed: true, reason: 'egress', matched: (egress[i - a] as CompiledEntry).entry });
    verdicts[i] = verdict;
    return verdict;
  };
  return (address) => {
    index ??= RangeIndex.ofLists([authorized, egress]);
    const i = index.indexOf(address);
    return i < 0 ? miss : (verdicts[i] ?? make(i));
  };
}

/**
 * The ranges of a valid profile's parsed entries (all are ranges once the profile validated): the parsed
 * entries themselves (each is an entry and its range), in a frozen list of their own.
 */
function rangesOf(parsed: readonly ParsedEntry[]): readonly CompiledEntry[] {
  for (const e of parsed) {
    // Unreachable for a valid profile; never compile a list that lost an entry.
    if (e.kind !== 'range') throw new IpgateError('ERR_PROFILE_INVALID', `Entry ${JSON.stringify(e.entry)} is not a range`);
  }
  return Object.freeze(parsed.slice() as CompiledEntry[]);
}

/**
 * Compiles a profile once into a decision function. Throws IpgateError (ERR_PROFILE_INVALID, with a
 * `problems` array) listing every problem when the profile is invalid (validateProfile with target ipgate).
 * The most specific matching entry of either list decides (on equal ranges, the authorized entry).
 * `analysis`, when given, is the profile's analysis with target ipgate (so its entries are not parsed again).
 */
export function compileProfile(profile: Profile, analysis: ProfileAnalysis = analyzeProfile(profile, { target: 'ipgate' })): CompiledProfile {
  if (!analysis.result.valid) throw new ProfileInvalidError(analysis.result.problems);
  const authorizedRanges = rangesOf(analysis.authorized);
  const egressRanges = rangesOf(analysis.egress);
  const snapshot: Profile = Object.freeze({
    authorizedIpRanges: heldList(profile.authorizedIpRanges),
    egressIpRanges: heldList(profile.egressIpRanges),
  });
  const entries = authorizedRanges.length + egressRanges.length;
  if (authorizedRanges.length === 0) {
    return {
      profile: snapshot,
      entries,
      authorizedRanges,
      egressRanges,
      decide(address) {
        if (typeof address === 'string') parseAddress(address); // an invalid address is an error, even here
        return DISABLED;
      },
    };
  }
  const only = authorizedRanges[0];
  const egressOnly = authorizedRanges.length === 1 && only !== undefined && isEgressOnlySentinel(only.range);
  const decideFor = verdictTable(egressOnly ? [] : authorizedRanges, egressRanges, egressOnly ? EGRESS_ONLY_DENIED : NOT_AUTHORIZED);
  return {
    profile: snapshot,
    entries,
    authorizedRanges,
    egressRanges,
    decide: decideFor,
  };
}

/** One-off decision; compile once with compileProfile for repeated use. */
export function decide(profile: Profile, address: string | Address): Verdict {
  return compileProfile(profile).decide(address);
}
