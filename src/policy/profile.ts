/**
 * The access profile: AKS's "API server authorized IP ranges" model.
 * - `authorizedIpRanges`: CIDRs or bare addresses allowed to connect. Empty = feature disabled (everyone).
 *   `0.0.0.0/32` alone = only the egress addresses may connect.
 * - `egressIpRanges`: the cluster's own outbound addresses, always allowed.
 */
export interface Profile {
  readonly authorizedIpRanges: readonly string[];
  readonly egressIpRanges: readonly string[];
  /**
   * Notes and expiry times of entries, per list, keyed by the entry as written (./entry-info.ts). Absent:
   * none. What is enforced depends on the lists alone (and on the time, for entries that expire).
   */
  readonly entryInfo?: ProfileInfo;
}

export type ProfileField = 'authorizedIpRanges' | 'egressIpRanges';

/** What an entry may carry beside its range. */
export interface EntryInfo {
  /** One line of text (who, why). */
  readonly note?: string;
  /** RFC 3339, UTC (`2026-12-02T18:00:00Z`): the entry is enforced until then, and removed at that moment. */
  readonly expires?: string;
}

export type ProfileInfo = { readonly [F in ProfileField]?: ReadonlyMap<string, EntryInfo> };

/** Why a decision was made. */
export type DecisionReason =
  | 'disabled' //       authorizedIpRanges is empty: everyone is allowed
  | 'authorized' //     an authorized range matched (`matched` names it)
  | 'egress' //         an egress range matched (`matched` names it)
  | 'egress-only' //    0.0.0.0/32 profile and the address is not an egress address
  | 'not-authorized'; // no range matched

export interface Verdict {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** The entry that decided, as written in the profile. */
  readonly matched?: string;
}

/** The sentinel that means "only the egress addresses" (AKS). */
export const EGRESS_ONLY = '0.0.0.0/32';

/**
 * A list to keep: a frozen list as it is (nobody can change it, so holders of one large list share it), any
 * other copied and frozen.
 */
export function heldList<T>(list: readonly T[]): readonly T[] {
  return Object.isFrozen(list) ? list : Object.freeze(list.slice());
}

/**
 * Whether `b` has the lists of `a`, entry by entry. `b` may be any value (a profile read from JSON), so a
 * malformed one compares unequal instead of throwing.
 */
export function sameLists(a: Profile, b: Profile): boolean {
  const other = b as unknown as { authorizedIpRanges?: unknown; egressIpRanges?: unknown } | null;
  if (other === null || typeof other !== 'object' || !Array.isArray(other.authorizedIpRanges) || !Array.isArray(other.egressIpRanges)) return false;
  return sameList(a.authorizedIpRanges, other.authorizedIpRanges) && sameList(a.egressIpRanges, other.egressIpRanges);
}

function sameList(a: readonly string[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
