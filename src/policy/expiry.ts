/**
 * Entries that expire (pure): what a profile enforces at a given time. An entry is enforced while the time
 * is before its expiry time, and not from that instant on, whether or not the store has been rewritten
 * without it yet. Expiry never opens the gate: when the last authorized entry expires, what remains is
 * "egress only" (0.0.0.0/32), never the empty list that would mean "disabled, everyone may connect".
 */
import { EGRESS_ONLY, type Profile, type ProfileField, type ProfileInfo } from './profile.js';
import type { EntryInfo } from './profile.js';

export interface Unexpired {
  /** The profile without the entries expired at that time (the profile itself when none has). */
  readonly profile: Profile;
  /** The earliest expiry time (ms) of the entries that remain; Infinity when none expires. */
  readonly expiresAt: number;
  /** The entries removed because they expired (as written), in list order. */
  readonly expired: readonly string[];
  /** Whether every authorized entry expired, so the profile became "egress only". */
  readonly egressOnly: boolean;
}

const FIELDS: readonly ProfileField[] = ['authorizedIpRanges', 'egressIpRanges'];

/** The expiry time of an entry in ms (Infinity: none; an unreadable one counts as expired, never as "never"). */
export function expiryOf(info: EntryInfo | undefined): number {
  if (info?.expires === undefined) return Infinity;
  const ms = Date.parse(info.expires);
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** The earliest expiry time (ms) of the profile's entries; Infinity when none expires. */
export function earliestExpiry(profile: Profile): number {
  let earliest = Infinity;
  for (const field of FIELDS) {
    const info = profile.entryInfo?.[field];
    if (info === undefined) continue;
    for (const entry of profile[field]) earliest = Math.min(earliest, expiryOf(info.get(entry)));
  }
  return earliest;
}

/** The profile as enforced at `now` (ms): see the module header. */
export function withoutExpired(profile: Profile, now: number): Unexpired {
  const earliest = earliestExpiry(profile);
  if (earliest > now) return { profile, expiresAt: earliest, expired: [], egressOnly: false };
  const expired: string[] = [];
  const lists = {} as Record<ProfileField, string[]>;
  const kept: { -readonly [F in ProfileField]?: Map<string, EntryInfo> } = {};
  let expiresAt = Infinity;
  for (const field of FIELDS) {
    const info = profile.entryInfo?.[field];
    const out: string[] = [];
    for (const entry of profile[field]) {
      const at = expiryOf(info?.get(entry));
      if (at <= now) {
        expired.push(entry);
        continue;
      }
      out.push(entry);
      expiresAt = Math.min(expiresAt, at);
      const entryInfo = info?.get(entry);
      if (entryInfo !== undefined) (kept[field] ??= new Map()).set(entry, entryInfo);
    }
    lists[field] = out;
  }
  const egressOnly = profile.authorizedIpRanges.length > 0 && lists.authorizedIpRanges.length === 0;
  if (egressOnly) lists.authorizedIpRanges = [EGRESS_ONLY];
  const entryInfo: ProfileInfo = kept;
  return {
    profile: { authorizedIpRanges: lists.authorizedIpRanges, egressIpRanges: lists.egressIpRanges, ...(Object.keys(entryInfo).length === 0 ? {} : { entryInfo }) },
    expiresAt,
    expired,
    egressOnly,
  };
}
