/**
 * Notes and expiry times of profile entries (pure). An entry may carry a note ("Alice, VPN outage") and an
 * expiry time (RFC 3339): written, it is an object `{"range","note"?,"expires"?}`; an entry with neither stays
 * a plain string, so readers that know only strings keep working with profiles that use none. In memory the
 * lists stay strings (what validation, compilation and the matchers read) and the notes sit beside them,
 * keyed by the entry as written (./profile.ts `entryInfo`).
 */
import { IpgateError } from '../errors.js';
import type { EntryInfo, Profile, ProfileField, ProfileInfo } from './profile.js';

/** An entry as stored and served: a plain string, or an object when it has a note or an expiry time. */
export type WireEntry = string | { readonly range: string; readonly note?: string; readonly expires?: string };

/** A profile as stored and served. */
export interface WireProfile {
  readonly authorizedIpRanges: readonly WireEntry[];
  readonly egressIpRanges: readonly WireEntry[];
}

/** Longest note kept (characters). */
export const MAX_NOTE_LENGTH = 256;

/** Whether the text has a control character or a line break (C0, DEL, C1, U+2028/2029). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * A note as kept: trimmed, 1 to MAX_NOTE_LENGTH characters, no control characters or line breaks (a note
 * is one line, also in a ranges list file). Throws ERR_ENTRY_NOTE naming the entry.
 */
export function checkNote(note: string, entry: string): string {
  const text = note.trim();
  const bad = (why: string): never => {
    throw new IpgateError('ERR_ENTRY_NOTE', `The note of ${JSON.stringify(entry)} ${why}`, { input: note, suggestion: 'a note is one line of text, e.g. "Alice, VPN outage"' });
  };
  if (text === '') bad('is empty (leave the note out instead)');
  if (hasControl(text)) bad('contains a line break or a control character');
  if ([...text].length > MAX_NOTE_LENGTH) bad(`is longer than ${MAX_NOTE_LENGTH} characters`);
  return text;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `ms` since the epoch as kept: UTC, `2026-12-02T18:00:00Z` (milliseconds only when there are some). */
export function formatExpiry(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * Reads an expiry time: an RFC 3339 date-time with a time zone (`2026-12-02T18:00:00Z`,
 * `2026-12-02T19:00:00+01:00`). Returns milliseconds since the epoch; throws ERR_ENTRY_EXPIRES naming the
 * entry. Whether it has passed is the caller's question (a stored entry may have expired; a request's may not).
 */
export function parseExpiry(text: string, entry: string): number {
  const bad = (): never => {
    throw new IpgateError('ERR_ENTRY_EXPIRES', `The expiry time ${JSON.stringify(text)} of ${JSON.stringify(entry)} is not an RFC 3339 date-time with a time zone`, {
      input: text,
      suggestion: '2026-12-02T18:00:00Z (or, on the command line, a duration such as 8h)',
    });
  };
  const m = RFC3339.exec(text);
  if (m === null) return bad();
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return bad();
  const zone = m[8] ?? 'Z';
  if (zone !== 'Z' && zone !== 'z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return bad();
  const ms = Date.parse(text.toUpperCase());
  if (!Number.isFinite(ms)) return bad();
  return ms;
}

/** Throws ERR_ENTRY_EXPIRED when `expires` (ms) is not after `now`: a request may not add what has expired. */
export function checkNotExpired(expires: number, now: number, entry: string): void {
  if (expires > now) return;
  throw new IpgateError('ERR_ENTRY_EXPIRED', `The expiry time ${formatExpiry(expires)} of ${JSON.stringify(entry)} has already passed (now ${formatExpiry(now)}); nothing was changed`, {
    input: formatExpiry(expires),
    suggestion: 'give a time in the future, or a duration such as --expires 8h',
  });
}

/** The note and expiry time of `entry` in list `field`, or undefined. */
export function infoOf(profile: Profile, field: ProfileField, entry: string): EntryInfo | undefined {
  return profile.entryInfo?.[field]?.get(entry);
}

/** Whether any entry of the profile has a note or an expiry time. */
export function hasEntryInfo(profile: Profile): boolean {
  const info = profile.entryInfo;
  return info !== undefined && ((info.authorizedIpRanges?.size ?? 0) > 0 || (info.egressIpRanges?.size ?? 0) > 0);
}

/** The wire form of one entry. */
export function wireEntry(entry: string, info: EntryInfo | undefined): WireEntry {
  if (info === undefined || (info.note === undefined && info.expires === undefined)) return entry;
  return { range: entry, ...(info.note === undefined ? {} : { note: info.note }), ...(info.expires === undefined ? {} : { expires: info.expires }) };
}

function wireList(profile: Profile, field: ProfileField): readonly WireEntry[] {
  const list = profile[field];
  const info = profile.entryInfo?.[field];
  // No notes in this list: the list itself (a large profile is not copied).
  if (info === undefined || info.size === 0 || !Array.isArray(list)) return list;
  return list.map((entry) => wireEntry(entry, info.get(entry)));
}

/** The profile as stored and served (entries with a note or expiry as objects). */
export function toWire(profile: Profile): WireProfile {
  return { authorizedIpRanges: wireList(profile, 'authorizedIpRanges'), egressIpRanges: wireList(profile, 'egressIpRanges') };
}

/** The range of a wire entry. */
export function rangeOf(entry: WireEntry): string {
  return typeof entry === 'string' ? entry : entry.range;
}

/** Builds a profile from lists of entries with their notes (entries without any keep no info). */
export function profileWithInfo(
  authorized: readonly string[],
  egress: readonly string[],
  info: { readonly authorizedIpRanges?: ReadonlyMap<string, EntryInfo>; readonly egressIpRanges?: ReadonlyMap<string, EntryInfo> },
): Profile {
  const a = info.authorizedIpRanges;
  const e = info.egressIpRanges;
  const entryInfo: ProfileInfo = { ...(a === undefined || a.size === 0 ? {} : { authorizedIpRanges: a }), ...(e === undefined || e.size === 0 ? {} : { egressIpRanges: e }) };
  return { authorizedIpRanges: authorized, egressIpRanges: egress, ...(Object.keys(entryInfo).length === 0 ? {} : { entryInfo }) };
}

/** Whether two entries' notes and expiry times are the same. */
export function sameInfo(a: EntryInfo | undefined, b: EntryInfo | undefined): boolean {
  return a?.note === b?.note && a?.expires === b?.expires;
}

/** Whether two profiles have the same lists and the same notes and expiry times. */
export function sameEntries(a: Profile, b: Profile): boolean {
  for (const field of ['authorizedIpRanges', 'egressIpRanges'] as const) {
    const x = a[field];
    const y = b[field];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const entry = x[i] ?? '';
      if (entry !== y[i] || !sameInfo(infoOf(a, field, entry), infoOf(b, field, entry))) return false;
    }
  }
  return true;
}

/** Whether two profiles hold the same entries (each as often) with the same notes, in any order. */
export function sameEntriesAnyOrder(a: Profile, b: Profile): boolean {
  for (const field of ['authorizedIpRanges', 'egressIpRanges'] as const) {
    const x = a[field];
    const y = b[field];
    if (x.length !== y.length) return false;
    const counts = new Map<string, number>();
    for (const entry of x) counts.set(entry, (counts.get(entry) ?? 0) + 1);
    for (const entry of y) {
      const left = counts.get(entry) ?? 0;
      if (left === 0 || !sameInfo(infoOf(a, field, entry), infoOf(b, field, entry))) return false;
      counts.set(entry, left - 1);
    }
  }
  return true;
}
