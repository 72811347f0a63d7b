/**
 * PATCH semantics (pure): removals first, then additions, on authorizedIpRanges (add/remove) and
 * egressIpRanges (addEgress/removeEgress). Entries are compared in canonical form; adding an entry already
 * present changes nothing, except that a note or expiry time given with it replaces the entry's (so an
 * expiry can be extended); removing one that is absent is an error. Bad entries are all reported at once.
 * Notes and expiry times of the entries that stay are kept.
 */
import { parseRange } from '../cidr/parse.js';
import { formatAddress, formatRange } from '../cidr/format.js';
import { IpgateError } from '../errors.js';
import { profileWithInfo, sameInfo } from '../policy/entry-info.js';
import type { FieldDiff, ProfileDiff } from '../policy/profile-diff.js';
import { heldList, type EntryInfo, type Profile } from '../policy/profile.js';
import { ApiError, type EntryError } from './api-error.js';
import type { EntryInput, PatchBody } from './body.js';
import { ipv4RangeKeyFast } from '../cidr/fast-ipv4.js';

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

/**
 * The comparison key of an entry: network * 64 + prefix length for an IPv4 range (however it is written),
 * the canonical text for an IPv6 range, the entry itself for a reference. Throws when it does not parse.
 */
function keyOf(entry: string, isReference?: IsReference): number | string {
  const quick = ipv4RangeKeyFast(entry); // the common spelling, read in place (a range is never a reference)
  if (quick >= 0) return quick;
  if (isReference?.(entry) === true) return entry;
  const range = parseRange(entry);
  return range.family === 4 ? Number(range.network) * 64 + range.prefix : formatRange(range);
}

/** The comparison key of an entry already in the list (an unparsable one is compared as written). */
function listKeyOf(entry: string, isReference?: IsReference): number | string {
  try {
    return keyOf(entry, isReference);
  } catch {
    return entry;
  }
}

/**
 * The texts without a colon that have one of the wanted keys: an IPv4 range has two (`a.b.c.d/32` and the
 * bare address) or one; any other key is text compared as written.
 */
function spellings<T>(wanted: ReadonlyMap<number | string, T>): Map<string, T> {
  const out = new Map<string, T>();
  for (const [key, value] of wanted) {
    if (typeof key === 'string') {
      if (!key.includes(':')) out.set(key, value);
      continue;
    }
    const prefix = key % 64;
    const address = formatAddress({ family: 4, value: BigInt((key - prefix) / 64) });
    out.set(`${address}/${prefix}`, value);
    if (prefix === 32) out.set(address, value);
  }
  return out;
}

function entryError(entry: string, field: Field, error: unknown): EntryError {
  if (error instanceof IpgateError) {
    return { entry, field, code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) };
  }
  return { entry, field, code: 'ERR_ENTRY', message: String(error) };
}

/** `list` without the entries at the indices `drop` (a large list, usually a few removals). */
function without(list: readonly string[], drop: ReadonlySet<number>): string[] {
  const kept = new Array<string>(list.length - drop.size);
  let o = 0;
  let from = 0;
  for (const at of [...drop].sort((x, y) => x - y)) {
    for (let i = from; i < at; i++) kept[o++] = list[i] as string;
    from = at + 1;
  }
  for (let i = from; i < list.length; i++) kept[o++] = list[i] as string;
  return kept;
}

interface Edited {
  readonly list: readonly string[];
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
  const mine = { added: [] as string[], removed: [] as string[], updated: [] as string[], kept: [] as readonly string[] };
  const list = profile[field];
  const before = profile.entryInfo?.[field];
  /** The key of an entry of the request, or the entry error when it does not parse (reported in request order). */
  const requestKey = (entry: string): number | string | EntryError => {
    try {
      return keyOf(entry, isReference);
    } catch (error) {
      return entryError(entry, field, error);
    }
  };
  const isKey = (key: number | string | EntryError): key is number | string => typeof key !== 'object';
  const removeKeys = remove.map(requestKey);
  const addKeys = add.map(({ entry }) => requestKey(entry));
  // Where the keys the request names occur in the list (first and last), in one pass over the list: a
  // patch of a few entries compares each entry of a large list once, and keeps no index of it.
  const wanted = new Map<number | string, { first: number; last: number }>();
  for (const key of [...removeKeys, ...addKeys]) if (isKey(key)) wanted.set(key, { first: -1, last: -1 });
  if (wanted.size > 0) {
    const spelled = spellings(wanted);
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as string;
      // Without a colon an entry is an IPv4 range in its one spelling, or compared as written: its text
      // alone tells whether it is wanted. Others (IPv6, mapped IPv4, references) are parsed.
      const at = entry.includes(':') ? wanted.get(listKeyOf(entry, isReference)) : spelled.get(entry);
      if (at === undefined) continue;
      if (at.first < 0) at.first = i;
      at.last = i;
    }
  }
  const drop = new Set<number>();
  remove.forEach((entry, r) => {
    const key = removeKeys[r] as number | string | EntryError;
    if (!isKey(key)) {
      out.errors.push(key);
      return;
    }
    // An entry listed twice: a removal takes its last occurrence, a second removal finds nothing more.
    const at = wanted.get(key)?.last ?? -1;
    if (at < 0 || drop.has(at)) {
      out.errors.push({ entry, field, code: 'ERR_ENTRY_NOT_FOUND', message: `${entry} is not in ${field}; nothing to remove` });
      return;
    }
    drop.add(at);
    mine.removed.push(list[at] ?? entry);
  });
  // (A large list is copied once: here when entries are removed, at the end when some are added.)
  const kept: readonly string[] = drop.size === 0 ? list : without(list, drop);
  mine.kept = kept;
  // The notes of the entries that stay (walking the notes, usually few, not the list).
  const info = new Map<string, EntryInfo>();
  const dropped = new Set([...drop].map((i) => list[i]));
  if (before !== undefined) {
    for (const [entry, i] of before) if (!dropped.has(entry) || kept.includes(entry)) info.set(entry, i);
  }
  /** The entry as written in the list, by key, for entries present after the removals (the first of them). */
  const present = new Map<number | string, string>();
  for (const [key, at] of wanted) {
    // Only the last occurrence of a key can have been dropped, so the first stays unless it was the only one.
    if (at.first >= 0 && !(at.first === at.last && drop.has(at.first))) present.set(key, list[at.first] ?? '');
  }
  for (let a = 0; a < add.length; a++) {
    const { entry, info: given } = add[a] as EntryInput;
    const key = addKeys[a] as number | string | EntryError;
    if (!isKey(key)) {
      out.errors.push(key);
      continue;
    }
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
    mine.added.push(entry);
    if (given !== undefined) info.set(entry, given);
  }
  // (Not push(...list): a list of a hundred thousand entries is too many arguments for one call.)
  for (const key of ['added', 'removed', 'updated'] as const) for (const entry of mine[key]) out[key].push(entry);
  // The kept entries, then the added ones; frozen, so whoever keeps the list next shares it.
  const edited = mine.added.length > 0 ? Object.freeze(kept.concat(mine.added)) : kept === list ? heldList(list) : Object.freeze(kept);
  return { list: edited, info, diff: mine };
}

export function applyPatch(profile: Profile, patch: PatchBody, isReference?: IsReference): PatchResult {
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
