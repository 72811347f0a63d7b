import type { Address } from '../cidr/types.js';
import type { Profile, Verdict } from './profile.js';

export interface CompiledProfile {
  readonly profile: Profile;
  /** The decision for one source address (string parsed strictly; IPv4-mapped IPv6 is IPv4). */
  decide(address: string | Address): Verdict;
  /** Number of entries (authorized + egress). */
  readonly entries: number;
}

/**
 * Compiles a profile once into a decision function. Throws IpgateError (ERR_PROFILE_INVALID) listing every
 * problem when the profile is invalid (validateProfile with target ipgate).
 */
export function compileProfile(profile: Profile): CompiledProfile {
  void profile;
  throw new Error('not implemented');
}

/** One-off decision; compile once with compileProfile for repeated use. */
export function decide(profile: Profile, address: string | Address): Verdict {
  return compileProfile(profile).decide(address);
}
