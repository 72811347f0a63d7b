/**
 * What a change did to a profile (pure), per list: the entries added, removed, and kept with another note or
 * expiry time (`updated`), compared as written. A writer that knows it (a PATCH knows what it added and
 * removed) hands it on, so the store need not compare two large lists again to record and write the change.
 */
import { infoOf, sameInfo } from './entry-info.js';
import type { Profile, ProfileField } from './profile.js';

export interface FieldDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
  /** The entries present before and after (`updated` among them), in the order of before. */
  readonly kept: readonly string[];
}

export type ProfileDiff = { readonly [F in ProfileField]: FieldDiff };

export const PROFILE_FIELDS: readonly ProfileField[] = ['authorizedIpRanges', 'egressIpRanges'];

/** Where an entry was seen: in the old list only (so far), in both, or in the new list only. */
const OLD = 0;
const BOTH = 1;
const NEW = 2;

function fieldDiff(before: Profile, after: Profile, field: ProfileField): FieldDiff {
  const notes = (after.entryInfo?.[field]?.size ?? 0) > 0 || (before.entryInfo?.[field]?.size ?? 0) > 0;
  const added: string[] = [];
  const updated: string[] = [];
  // One map over both lists (a large list is hashed once): the old entries first, in order, then the new.
  const seen = new Map<string, number>();
  // (A malformed profile may lack a list: nothing to compare then, as with a set of no entries.)
  for (const entry of before[field] ?? []) seen.set(entry, OLD);
  for (const entry of after[field] ?? []) {
    const where = seen.get(entry);
    if (where === undefined) {
      seen.set(entry, NEW);
      added.push(entry);
    } else if (where === OLD) {
      seen.set(entry, BOTH);
      if (notes && !sameInfo(infoOf(before, field, entry), infoOf(after, field, entry))) updated.push(entry);
    }
  }
  const removed: string[] = [];
  const kept: string[] = [];
  for (const [entry, where] of seen) {
    if (where === NEW) break; // (the new entries come after every old one)
    (where === BOTH ? kept : removed).push(entry);
  }
  return { added, removed, updated, kept };
}

/** The diff between two profiles (undefined `before`: the profile did not exist). */
export function profileDiff(before: Profile | undefined, after: Profile): ProfileDiff {
  const from = before ?? { authorizedIpRanges: [], egressIpRanges: [] };
  return { authorizedIpRanges: fieldDiff(from, after, 'authorizedIpRanges'), egressIpRanges: fieldDiff(from, after, 'egressIpRanges') };
}

/** One list of every entry a diff names under `key`, both lists together (authorized first). */
export function diffEntries(diff: ProfileDiff, key: 'added' | 'removed' | 'updated'): string[] {
  return [...diff.authorizedIpRanges[key], ...diff.egressIpRanges[key]];
}
