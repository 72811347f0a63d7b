/**
 * The plain PATCH (every entry of the list parsed and indexed), kept as the reference the admin API's PATCH
 * is checked against: same profile, same diff, same errors in the same order.
 */
import { parseRange } from '../../src/cidr/parse.js';
import { formatRange } from '../../src/cidr/format.js';
import { IpgateError } from '../../src/errors.js';
import { profileWithInfo, sameInfo } from '../../src/policy/entry-info.js';
import type { FieldDiff, ProfileDiff } from '../../src/policy/profile-diff.js';
import type { EntryInfo, Profile } from '../../src/policy/profile.js';
import { ApiError, type EntryError } from '../../src/admin/api-error.js';
import type { EntryInput, PatchBody } from '../../src/admin/body.js';
import { parseIpv4RangeFast } from '../../src/cidr/fast-ipv4.js';

export interface PatchResult {
  readonly profile: Profile;
  readonly added: string[];
  readonly removed: string[];
  /** Entries already present whose note or expiry time the patch replaced. */
  readonly updated: string[];
  /** The same, per list (handed to the store with the write). */
  readonly diff: ProfileDiff;
}

type Field = 'authorizedIpRanges' | 'egressIpRanges';

/** References (`azure:AzureCloud`) are compared as written; everything else as a canonical range. */
type IsReference = ((entry: string) => boolean) | undefined;

function canonical(entry: string, isReference?: IsReference): string {
  const quick = parseIpv4RangeFast(entry); // the common spelling, read in place (a range is never a reference)
  if (quick !== undefined) return formatRange(quick);
  if (isReference?.(entry) === true) return entry;
  return formatRange(parseRange(entry));
}

/** The comparison key of an entry already in the list (an unparsable one is compared as written). */
function keyOf(entry: string, isReference?: IsReference): string {
  try {
    return canonical(entry, isReference);
  } catch {
    return entry;
  }
}

function entryError(entry: string, field: Field, error: unknown): EntryError {
  if (error instanceof IpgateError) {
    return { entry, field, code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) };
  }
  return { entry, field, code: 'ERR_ENTRY', message: String(error) };
}

interface Edited {
  readonly list: string[];
  readonly info: Map<string, EntryInfo>;
  readonly diff: FieldDiff;
}

function edit(
  profile: Profile,
  field: Field,
  add: readonly EntryInput[],
  remove: readonly string[],
  out: { errors: EntryError[]; added: string[]; removed: string[]; updated: string[] },
  isReference?: IsReference,
): Edited {
  const mine = { added: [] as string[], removed: [] as string[], updated: [] as string[], kept: [] as string[] };
  const list = profile[field];
  const before = profile.entryInfo?.[field];
  const keys = list.map((entry) => keyOf(entry, isReference));
  const index = new Map<string, number>();
  keys.forEach((key, i) => index.set(key, i));
  const drop = new Set<number>();
  /** The key of an entry of the request, or undefined (recorded as an entry error) when it does not parse. */
  const requestKey = (entry: string): string | undefined => {
    try {
      return canonical(entry, isReference);
    } catch (error) {
      out.errors.push(entryError(entry, field, error));
      return undefined;
    }
  };
  for (const entry of remove) {
    const key = requestKey(entry);
    if (key === undefined) continue;
    const at = index.get(key);
    if (at === undefined || drop.has(at)) {
      out.errors.push({ entry, field, code: 'ERR_ENTRY_NOT_FOUND', message: `${entry} is not in ${field}; nothing to remove` });
      continue;
    }
    drop.add(at);
    mine.removed.push(list[at] ?? entry);
  }
  const kept = list.filter((_, i) => !drop.has(i));
  mine.kept = [...kept];
  // The notes of the entries that stay (walking the notes, usually few, not the list).
  const info = new Map<string, EntryInfo>();
  const dropped = new Set([...drop].map((i) => list[i]));
  if (before !== undefined) {
    for (const [entry, i] of before) if (!dropped.has(entry) || kept.includes(entry)) info.set(entry, i);
  }
  /** The entry as written in the list, by key, for entries present after the removals. */
  const present = new Map<string, string>();
  keys.forEach((key, i) => {
    if (!drop.has(i) && !present.has(key)) present.set(key, list[i] ?? key);
  });
  for (const { entry, info: given } of add) {
    const key = requestKey(entry);
    if (key === undefined) continue;
    const existing = present.get(key);
    if (existing !== undefined) {
      // Present: only a note or expiry time given with it changes something.
      if (given !== undefined && !sameInfo(info.get(existing), given)) {
        info.set(existing, given);
        mine.updated.push(existing);
      }
      continue;
    }
    present.set(key, entry);
    kept.push(entry);
    if (given !== undefined) info.set(entry, given);
    mine.added.push(entry);
  }
  // (Not push(...list): a list of a hundred thousand entries is too many arguments for one call.)
  for (const key of ['added', 'removed', 'updated'] as const) for (const entry of mine[key]) out[key].push(entry);
  return { list: kept, info, diff: mine };
}

export function applyPatchReference(profile: Profile, patch: PatchBody, isReference?: IsReference): PatchResult {
  const out = { errors: [] as EntryError[], added: [] as string[], removed: [] as string[], updated: [] as string[] };
  const authorized = edit(profile, 'authorizedIpRanges', patch.add, patch.remove, out, isReference);
  const egress = edit(profile, 'egressIpRanges', patch.addEgress, patch.removeEgress, out, isReference);
  if (out.errors.length > 0) {
    throw new ApiError('ERR_PATCH_INVALID', `The patch has ${out.errors.length} bad entr${out.errors.length === 1 ? 'y' : 'ies'}; nothing was changed`, out.errors);
  }
  if (authorized.list.length === 0 && profile.authorizedIpRanges.length > 0) {
    throw new ApiError(
      'ERR_PATCH_DISABLES',
      'The patch removes every authorized range, which would allow every source (an empty list disables the restriction); nothing was changed. To let every source connect on purpose, run: ipgate ranges disable',
    );
  }
  return {
    profile: profileWithInfo(authorized.list, egress.list, { authorizedIpRanges: authorized.info, egressIpRanges: egress.info }),
    added: out.added,
    removed: out.removed,
    updated: out.updated,
    diff: { authorizedIpRanges: authorized.diff, egressIpRanges: egress.diff },
  };
}
