/**
 * The change history (pure): one record per accepted change of a profile, saying when, who (the actor: a
 * token name, a certificate subject, or the part of ipgate that made it), from which address, by which path,
 * which entries were added and removed, and the ETag before and after. Stores keep the records beside the
 * profile (a JSON-lines file next to the store file, keys in etcd written in the same transaction as the
 * change) and serve them newest first.
 */
import { infoOf, wireEntry, type WireEntry } from '../policy/entry-info.js';
import { PROFILE_FIELDS, profileDiff, type ProfileDiff } from '../policy/profile-diff.js';
import type { Profile } from '../policy/profile.js';

/** How a change came in. */
export type ChangePath =
  | 'admin-api' //  a PUT or PATCH through the admin API
  | 'file' //       the store file edited on disk (noticed by the file watcher)
  | 'sighup' //     noticed or applied on SIGHUP (a store file re-read, the config's profile)
  | 'etcd' //       a value written to etcd by hand (not through ipgate)
  | 'expiry'; //    entries removed because their expiry time passed

export const CHANGE_PATHS: readonly ChangePath[] = ['admin-api', 'file', 'sighup', 'etcd', 'expiry'];

/** Who made a change, as the writer knows it. */
export interface ChangeOrigin {
  readonly actor: string;
  /** The caller's address (admin API), else null. */
  readonly address: string | null;
  readonly path: ChangePath;
}

export interface ChangeRecord {
  /** RFC 3339, when the change was made (or noticed, for changes made behind ipgate's back). */
  readonly time: string;
  readonly profile: string;
  readonly actor: string;
  readonly address: string | null;
  readonly path: ChangePath;
  /** Entries added (new entries, and entries whose note or expiry changed, in their new form). */
  readonly added: readonly WireEntry[];
  /** Entries removed (and entries whose note or expiry changed, in their old form). */
  readonly removed: readonly WireEntry[];
  /** How many were added and removed (the lists stop at MAX_LISTED). */
  readonly addedCount: number;
  readonly removedCount: number;
  /** The ETag (`"<revision>"`) before the change; null when the profile did not exist. */
  readonly etagBefore: string | null;
  readonly etagAfter: string;
}

/** Most entries listed in one record's `added` and `removed` (the counts are always complete). */
export const MAX_LISTED = 100;

/** Records kept per profile (etcd) and in memory. */
export const HISTORY_KEEP = 1000;

/** Largest `limit` of one history read. */
export const MAX_HISTORY_LIMIT = 1000;

export function etag(revision: string): string {
  return `"${revision}"`;
}

/**
 * The entries of a record: added (new, and kept with another note or expiry time, in the new form) and
 * removed (removed, and the old form of the updated ones), at most MAX_LISTED of each, with full counts.
 * `known` is the writer's diff from `before`; without `before` (the profile is created) every entry is added,
 * whatever the writer compared with.
 */
export function recordEntries(before: Profile | undefined, after: Profile, known?: ProfileDiff): { added: WireEntry[]; removed: WireEntry[]; addedCount: number; removedCount: number } {
  const diff = known !== undefined && before !== undefined ? known : profileDiff(before, after);
  const added: WireEntry[] = [];
  const removed: WireEntry[] = [];
  let addedCount = 0;
  let removedCount = 0;
  for (const field of PROFILE_FIELDS) {
    const d = diff[field];
    addedCount += d.added.length + d.updated.length;
    removedCount += d.removed.length + d.updated.length;
    for (const list of [d.updated, d.added]) {
      for (let i = 0; i < list.length && added.length < MAX_LISTED; i++) added.push(wireEntry(list[i] ?? '', infoOf(after, field, list[i] ?? '')));
    }
    if (before === undefined) continue;
    for (const list of [d.updated, d.removed]) {
      for (let i = 0; i < list.length && removed.length < MAX_LISTED; i++) removed.push(wireEntry(list[i] ?? '', infoOf(before, field, list[i] ?? '')));
    }
  }
  return { added, removed, addedCount, removedCount };
}

/** The record of a change from `before` (at `revisionBefore`, undefined: it did not exist) to `after`. */
export function changeRecord(input: {
  readonly time: number;
  readonly profile: string;
  readonly origin: ChangeOrigin;
  readonly before: Profile | undefined;
  readonly after: Profile;
  readonly revisionBefore: string | undefined;
  readonly revisionAfter: string;
  /** What the change did, when the writer knows it (else it is worked out from `before` and `after`). */
  readonly diff?: ProfileDiff | undefined;
}): ChangeRecord {
  const diff = recordEntries(input.before, input.after, input.diff);
  return {
    time: new Date(input.time).toISOString(),
    profile: input.profile,
    actor: input.origin.actor,
    address: input.origin.address,
    path: input.origin.path,
    ...diff,
    etagBefore: input.revisionBefore === undefined ? null : etag(input.revisionBefore),
    etagAfter: etag(input.revisionAfter),
  };
}

function isWireEntry(value: unknown): value is WireEntry {
  if (typeof value === 'string') return true;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['range'] === 'string' && (v['note'] === undefined || typeof v['note'] === 'string') && (v['expires'] === undefined || typeof v['expires'] === 'string');
}

/**
 * A record read back (a line of the history file, an etcd value); undefined when it is not one (a torn
 * line, a value written by something else). `etagAfter` may come from elsewhere (an etcd key's revision).
 */
export function parseRecord(value: unknown, etagAfter?: string): ChangeRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const after = typeof r['etagAfter'] === 'string' ? r['etagAfter'] : etagAfter;
  const str = (k: string): boolean => typeof r[k] === 'string';
  if (!str('time') || !str('profile') || !str('actor') || after === undefined) return undefined;
  if (!(r['address'] === null || str('address')) || !(r['etagBefore'] === null || str('etagBefore'))) return undefined;
  if (!CHANGE_PATHS.includes(r['path'] as ChangePath)) return undefined;
  const added = r['added'];
  const removed = r['removed'];
  if (!Array.isArray(added) || !Array.isArray(removed) || !added.every(isWireEntry) || !removed.every(isWireEntry)) return undefined;
  const count = (k: string, fallback: number): number => (typeof r[k] === 'number' ? (r[k] as number) : fallback);
  return {
    time: r['time'] as string,
    profile: r['profile'] as string,
    actor: r['actor'] as string,
    address: r['address'] as string | null,
    path: r['path'] as ChangePath,
    added,
    removed,
    addedCount: count('addedCount', added.length),
    removedCount: count('removedCount', removed.length),
    etagBefore: r['etagBefore'] as string | null,
    etagAfter: after,
  };
}

/** The revision an ETag stands for (`"12"` -> 12) for ordering; NaN when it is not a number (file stores). */
export function revisionNumber(etagText: string): number {
  return Number(etagText.replace(/^"|"$/g, ''));
}

export interface HistoryQuery {
  /** At most this many records, newest first. */
  readonly limit: number;
  /** Only this profile's records (absent: every profile the store holds). */
  readonly profile?: string;
}

/** Newest first, at most `limit`, of `profile` when given: records in the order they were written, oldest first. */
export function newestFirst(records: readonly ChangeRecord[], query: HistoryQuery): ChangeRecord[] {
  const out: ChangeRecord[] = [];
  for (let i = records.length - 1; i >= 0 && out.length < query.limit; i--) {
    const r = records[i];
    if (r !== undefined && (query.profile === undefined || r.profile === query.profile)) out.push(r);
  }
  return out;
}
