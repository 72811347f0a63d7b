/**
 * What a store file reads back as, known without reading it back (pure). A write of a large profile would
 * otherwise parse the text it has just made (a JSON file of a hundred thousand entries, with its check for
 * repeated keys) only to find the profile it was given. Each function here answers exactly what decoding
 * the written text gives, or undefined when it cannot be sure, and the caller then decodes the text as
 * before (so every refusal and its message stay the decoder's own).
 */
import { checkNote, formatExpiry, parseExpiry, profileWithInfo, sameInfo } from '../policy/entry-info.js';
import type { FieldDiff } from '../policy/profile-diff.js';
import { heldList, type EntryInfo, type Profile, type ProfileField } from '../policy/profile.js';
import type { ProfileCheck } from '../policy/validate.js';
import { decodeList, defaultProfileCheck } from './codec.js';
import { entryLine, LIST_DISABLED_MARKER } from './list-file.js';

/** Whether a note or an expiry time reads back as written (encoded as is, decoded with checkNote/parseExpiry). */
function readsBackAs(entry: string, info: EntryInfo): boolean {
  try {
    if (info.note !== undefined && checkNote(info.note, entry) !== info.note) return false;
    if (info.expires !== undefined && formatExpiry(parseExpiry(info.expires, entry)) !== info.expires) return false;
    return true;
  } catch {
    return false;
  }
}

/** The notes of a list as decoding keeps them (the first of an entry listed twice), or undefined. */
function decodedInfo(list: readonly string[], info: ReadonlyMap<string, EntryInfo> | undefined): Map<string, EntryInfo> | undefined {
  const out = new Map<string, EntryInfo>();
  if (info === undefined || info.size === 0) return out;
  for (const entry of list) {
    const given = info.get(entry);
    if (given === undefined || (given.note === undefined && given.expires === undefined) || out.has(entry)) continue;
    if (!readsBackAs(entry, given)) return undefined;
    out.set(entry, given.expires === undefined ? { note: given.note ?? '' } : given.note === undefined ? { expires: given.expires } : { note: given.note, expires: given.expires });
  }
  return out;
}

function isStringList(value: unknown): value is readonly string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/**
 * What `decodeJson(encodeJson(profile))` gives for a profile of two lists of strings: the lists (frozen
 * copies, or the lists themselves when frozen already), the notes as decoded, and the check passed.
 * Undefined: decode the text instead.
 */
export function writtenJsonProfile(profile: Profile, check: ProfileCheck = defaultProfileCheck): Profile | undefined {
  const infos: { [F in ProfileField]?: Map<string, EntryInfo> } = {};
  const value = profile as unknown as Record<string, unknown> | null;
  if (value === null || typeof value !== 'object' || !isStringList(value['authorizedIpRanges']) || !isStringList(value['egressIpRanges'])) return undefined;
  for (const field of ['authorizedIpRanges', 'egressIpRanges'] as const) {
    const info = decodedInfo(profile[field], profile.entryInfo?.[field]);
    if (info === undefined) return undefined;
    infos[field] = info;
  }
  const decoded = profileWithInfo(heldList(profile.authorizedIpRanges), heldList(profile.egressIpRanges), infos);
  return check(decoded).valid ? decoded : undefined;
}

/** Accepts every profile: the check of a part of a list file (the whole is checked after). */
const ACCEPT_ALL: ProfileCheck = () => ({ valid: true, problems: [] });

/**
 * A list file's new text and what it reads back as, when the change only adds entries (a PATCH adding
 * ranges): the lines of `text` stay as they are and the new entries follow, one a line, exactly as the
 * in-place edit writes them. Only the new lines are decoded. Undefined for any other change (and for a file
 * with CR LF line ends or the "disabled" line, which the edit rewrites): edit and decode the whole text.
 */
export function appendedListText(
  text: string, before: Profile, profile: Profile, diff: FieldDiff, source: string, check: ProfileCheck = defaultProfileCheck,
): { text: string; decoded: Profile } | undefined {
  const added = diff.added;
  const old = before.authorizedIpRanges;
  const list = profile.authorizedIpRanges;
  if (diff.removed.length > 0 || diff.updated.length > 0 || added.length === 0 || profile.egressIpRanges.length > 0 || before.egressIpRanges.length > 0) return undefined;
  if (list.length !== old.length + added.length) return undefined;
  for (let i = 0; i < old.length; i++) if (list[i] !== old[i]) return undefined;
  for (let i = 0; i < added.length; i++) if (list[old.length + i] !== added[i]) return undefined;
  if (text.includes('\r') || text.includes(LIST_DISABLED_MARKER)) return undefined;
  const info = profile.entryInfo?.authorizedIpRanges;
  const lines: string[] = [];
  for (const entry of added) lines.push(entryLine(entry, info?.get(entry)));
  const tail = `${lines.join('\n')}\n`;
  let tailProfile: Profile;
  try {
    tailProfile = decodeList(tail, source, ACCEPT_ALL);
  } catch {
    return undefined;
  }
  // The new lines must read back as the entries added, each with its note (a line of its own each).
  if (tailProfile.authorizedIpRanges.length !== added.length) return undefined;
  for (let i = 0; i < added.length; i++) {
    const entry = added[i] ?? '';
    if (tailProfile.authorizedIpRanges[i] !== entry || !sameInfo(tailProfile.entryInfo?.authorizedIpRanges?.get(entry), info?.get(entry))) return undefined;
  }
  const merged = new Map(before.entryInfo?.authorizedIpRanges ?? []);
  for (const [entry, entryInfo] of tailProfile.entryInfo?.authorizedIpRanges ?? []) if (!merged.has(entry)) merged.set(entry, entryInfo);
  const decoded = profileWithInfo([...old, ...tailProfile.authorizedIpRanges], [], { authorizedIpRanges: merged });
  if (!check(decoded).valid) return undefined;
  return { text: text === '' || text.endsWith('\n') ? `${text}${tail}` : `${text}\n${tail}`, decoded };
}
