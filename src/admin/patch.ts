/**
 * PATCH semantics (pure): removals first, then additions, on authorizedIpRanges (add/remove) and
 * egressIpRanges (addEgress/removeEgress). Entries are compared in canonical form; adding an entry already
 * present changes nothing; removing one that is absent is an error. Bad entries are all reported at once.
 */
import { parseRange } from '../cidr/parse.js';
import { formatRange } from '../cidr/format.js';
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import { ApiError, type EntryError } from './api-error.js';
import type { PatchBody } from './body.js';
import { parseIpv4RangeFast } from '../cidr/fast-ipv4.js';

export interface PatchResult {
  readonly profile: Profile;
  readonly added: string[];
  readonly removed: string[];
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

function edit(list: readonly string[], field: Field, add: readonly string[], remove: readonly string[], errors: EntryError[], added: string[], removed: string[], isReference?: IsReference): string[] {
  const keys = list.map((entry) => keyOf(entry, isReference));
  const index = new Map<string, number>();
  keys.forEach((key, i) => index.set(key, i));
  const drop = new Set<number>();
  /** The key of an entry of the request, or undefined (recorded as an entry error) when it does not parse. */
  const requestKey = (entry: string): string | undefined => {
    try {
      return canonical(entry, isReference);
    } catch (error) {
      errors.push(entryError(entry, field, error));
      return undefined;
    }
  };
  for (const entry of remove) {
    const key = requestKey(entry);
    if (key === undefined) continue;
    const at = index.get(key);
    if (at === undefined || drop.has(at)) {
      errors.push({ entry, field, code: 'ERR_ENTRY_NOT_FOUND', message: `${entry} is not in ${field}; nothing to remove` });
      continue;
    }
    drop.add(at);
    removed.push(list[at] ?? entry);
  }
  const out = list.filter((_, i) => !drop.has(i));
  const present = new Set(keys.filter((_, i) => !drop.has(i)));
  for (const entry of add) {
    const key = requestKey(entry);
    if (key === undefined || present.has(key)) continue;
    present.add(key);
    out.push(entry);
    added.push(entry);
  }
  return out;
}

export function applyPatch(profile: Profile, patch: PatchBody, isReference?: IsReference): PatchResult {
  const errors: EntryError[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  const authorizedIpRanges = edit(profile.authorizedIpRanges, 'authorizedIpRanges', patch.add, patch.remove, errors, added, removed, isReference);
  const egressIpRanges = edit(profile.egressIpRanges, 'egressIpRanges', patch.addEgress, patch.removeEgress, errors, added, removed, isReference);
  if (errors.length > 0) {
    throw new ApiError('ERR_PATCH_INVALID', `The patch has ${errors.length} bad entr${errors.length === 1 ? 'y' : 'ies'}; nothing was changed`, errors);
  }
  if (authorizedIpRanges.length === 0 && profile.authorizedIpRanges.length > 0) {
    throw new ApiError(
      'ERR_PATCH_DISABLES',
      'The patch removes every authorized range, which would allow every source (an empty list disables the restriction); nothing was changed. To let every source connect on purpose, run: ipgate ranges disable',
    );
  }
  return { profile: { authorizedIpRanges, egressIpRanges }, added, removed };
}
