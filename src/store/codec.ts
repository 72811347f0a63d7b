/**
 * How a profile is written in a store file or an etcd value (pure): `json` (the profile object) or `list` (the
 * `--ranges` file: one authorized range a line). Decoding validates: a value that does not describe a valid
 * profile throws ERR_STORE_INVALID, naming the key and the problem.
 *
 * "Disabled" (an empty authorizedIpRanges: every source allowed) is only ever read from an explicit statement,
 * never from something missing: in JSON the value carries `"disabled": true` beside the empty list, in a list
 * file the one exact marker line. `{}`, a null or missing `authorizedIpRanges`, a list of the wrong type, an
 * empty list without the flag, an empty file or a look-alike comment are all refused, so a truncated or
 * hand-mangled value keeps the last good profile in force instead of opening the gate.
 *
 * Entries with a note or an expiry time are objects in JSON (`{"range","note"?,"expires"?}`, see
 * policy/entry-info.ts) and carry a trailing comment in a list file (./list-file.ts). An entry whose expiry
 * time has passed is read as it is: what is enforced leaves it out (policy/expiry.ts).
 */
import { createHash } from 'node:crypto';
import { IpgateError } from '../errors.js';
import { checkNote, formatExpiry, parseExpiry, profileWithInfo, toWire } from '../policy/entry-info.js';
import type { EntryInfo, Profile } from '../policy/profile.js';
import { validateProfile, type ProfileCheck } from '../policy/validate.js';
import type { StoreFormat } from '../config/types.js';
import { parseStrictJson } from '../text/strict-json.js';
import { commentInfo, entryLine, LIST_DISABLED_MARKER } from './list-file.js';

/**
 * In a list file, an explicit "no restriction": this exact line, alone on its line (surrounding whitespace
 * aside). Any other comment is a comment; an empty list file is refused (never fail open).
 */
export { LIST_DISABLED_MARKER };

/** In a JSON value, the key that states "disabled" beside an empty authorizedIpRanges. */
export const JSON_DISABLED_KEY = 'disabled';

export function revisionOf(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function invalid(source: string, message: string, suggestion?: string): never {
  throw new IpgateError('ERR_STORE_INVALID', `Store ${source} is unusable: ${message}`, {
    input: source,
    ...(suggestion === undefined ? {} : { suggestion }),
  });
}

/** The check a store applies by default: a profile of ranges (no references). */
export const defaultProfileCheck: ProfileCheck = (profile) => validateProfile(profile, { target: 'ipgate' });

function checked(profile: Profile, source: string, check: ProfileCheck = defaultProfileCheck): Profile {
  const result = check(profile);
  if (!result.valid) {
    const first = result.problems[0];
    const list = result.problems.map((p) => `${p.field === undefined ? '' : `${p.field}[${p.index ?? '?'}] `}${p.message}`).join('; ');
    invalid(source, list, first?.suggestion);
  }
  return profile;
}

/** Why `value` is not a list of strings, or undefined when it is one. */
function listProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is missing';
  if (value === null) return 'is null';
  if (!Array.isArray(value)) return `must be a list of strings, got ${typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)}`}`;
  let bad = -1;
  for (let i = 0; i < value.length && bad < 0; i++) if (typeof value[i] !== 'string') bad = i;
  if (bad >= 0) return `must be a list of strings, but item ${bad} is ${value[bad] === null ? 'null' : `the ${typeof value[bad]} ${JSON.stringify(value[bad])}`}`;
  return undefined;
}

const PROFILE_SHAPE = '{"authorizedIpRanges":[...],"egressIpRanges":[...]}';

const ENTRY_KEYS = new Set(['range', 'note', 'expires']);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Why `value` is not a list of entries (strings, or `{"range","note"?,"expires"?}` objects), or undefined when
 * it is one; the entries and their notes go to `into`.
 */
function wireListProblem(value: unknown, into: { entries: string[]; info: Map<string, EntryInfo> }): string | undefined {
  if (value === undefined) return 'is missing';
  if (value === null) return 'is null';
  if (!Array.isArray(value)) return `must be a list of entries, got ${describe(value)}`;
  // The common case, a list of strings, is taken as it is.
  const first = value.findIndex((v) => typeof v !== 'string');
  if (first < 0) {
    into.entries = value as string[];
    return undefined;
  }
  const entries: string[] = value.slice(0, first) as string[];
  for (let i = first; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item === 'string') {
      entries.push(item);
      continue;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return `must be a list of entries, but item ${i} is ${describe(item)}`;
    const record = item as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !ENTRY_KEYS.has(k));
    if (extra.length > 0) return `item ${i} has unknown key(s) ${extra.map((k) => `"${k}"`).join(', ')}; an entry object is {"range","note"?,"expires"?}`;
    const { range, note, expires } = record;
    if (typeof range !== 'string') return `item ${i} has no "range" string`;
    if (note !== undefined && typeof note !== 'string') return `item ${i} ("${range}"): "note" must be a string`;
    if (expires !== undefined && typeof expires !== 'string') return `item ${i} ("${range}"): "expires" must be a string`;
    try {
      const info: EntryInfo = {
        ...(note === undefined ? {} : { note: checkNote(note, range) }),
        ...(expires === undefined ? {} : { expires: formatExpiry(parseExpiry(expires, range)) }),
      };
      if (info.note !== undefined || info.expires !== undefined) {
        if (!into.info.has(range)) into.info.set(range, info);
      }
    } catch (error) {
      return `item ${i}: ${error instanceof Error ? error.message : String(error)}`;
    }
    entries.push(range);
  }
  into.entries = entries;
  return undefined;
}

/** Reads a profile from its JSON object (already parsed): the rules of the module header. */
export function profileFromJson(value: unknown, source: string, check?: ProfileCheck): Profile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(source, `expected a JSON object ${PROFILE_SHAPE}`);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => k !== 'authorizedIpRanges' && k !== 'egressIpRanges' && k !== JSON_DISABLED_KEY);
  if (unknown.length > 0) invalid(source, `unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}; expected ${PROFILE_SHAPE}`);
  const authorized = { entries: [] as string[], info: new Map<string, EntryInfo>() };
  const authorizedProblem = wireListProblem(record['authorizedIpRanges'], authorized);
  if (authorizedProblem !== undefined) {
    invalid(source, `"authorizedIpRanges" ${authorizedProblem} (a missing or unreadable list is never read as "allow everyone")`, 'write the list of authorized ranges; to allow every source on purpose, write {"authorizedIpRanges":[],"disabled":true}');
  }
  // Absent egress ranges are none; a null or mistyped list is refused like any other.
  const egress = { entries: [] as string[], info: new Map<string, EntryInfo>() };
  const egressProblem = wireListProblem(Object.hasOwn(record, 'egressIpRanges') ? record['egressIpRanges'] : [], egress);
  if (egressProblem !== undefined) invalid(source, `"egressIpRanges" ${egressProblem}`);
  const disabled = record[JSON_DISABLED_KEY];
  if (disabled !== undefined && typeof disabled !== 'boolean') invalid(source, `"${JSON_DISABLED_KEY}" must be true or false, got ${JSON.stringify(disabled)}`);
  const list = authorized.entries;
  if (list.length === 0 && disabled !== true) {
    invalid(source, '"authorizedIpRanges" is empty, which would allow every source, and the value does not say "disabled": true', 'to allow every source on purpose, write {"authorizedIpRanges":[],"disabled":true}; otherwise write the authorized ranges');
  }
  if (list.length > 0 && disabled === true) invalid(source, `"${JSON_DISABLED_KEY}": true goes with an empty "authorizedIpRanges" only; keep one of them`);
  return checked(profileWithInfo(list, egress.entries, { authorizedIpRanges: authorized.info, egressIpRanges: egress.info }), source, check);
}

export function decodeJson(text: string, source: string, check?: ProfileCheck): Profile {
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (error) {
    invalid(source, error instanceof Error ? error.message : String(error));
  }
  return profileFromJson(value, source, check);
}

/** The JSON object of a profile: an empty authorized list is written with `"disabled": true`. */
export function profileToJson(profile: Profile): Record<string, unknown> {
  const wire = toWire(profile);
  return {
    authorizedIpRanges: wire.authorizedIpRanges,
    egressIpRanges: wire.egressIpRanges,
    // (Checked as an array: a malformed profile object is encoded as it is and refused when decoded.)
    ...(Array.isArray(profile.authorizedIpRanges) && profile.authorizedIpRanges.length === 0 ? { [JSON_DISABLED_KEY]: true } : {}),
  };
}

export function encodeJson(profile: Profile): string {
  return `${JSON.stringify(profileToJson(profile), null, 2)}\n`;
}

/**
 * List file: one entry a line, `#` comments and blank lines ignored, whitespace trimmed, commas separate. The
 * disabled marker counts only as the exact line LIST_DISABLED_MARKER. A trailing comment in one of the forms
 * of ./list-file.ts gives the entries on its line a note and an expiry time.
 */
export function decodeList(text: string, source: string, check?: ProfileCheck): Profile {
  const entries: string[] = [];
  const info = new Map<string, EntryInfo>();
  let disabled = false;
  let n = 0;
  for (const line of text.split(/\r?\n/)) {
    n++;
    const trimmed = line.trim();
    if (trimmed === LIST_DISABLED_MARKER) {
      disabled = true;
      continue;
    }
    const hash = line.indexOf('#');
    const content = hash === -1 ? line : line.slice(0, hash);
    const before = entries.length;
    for (const part of content.split(',')) {
      const entry = part.trim();
      if (entry !== '') entries.push(entry);
    }
    if (hash === -1 || entries.length === before) continue;
    const lineInfo = commentInfo(line.slice(hash), entries[before] ?? '', `${source} line ${n}`);
    if (lineInfo !== undefined) for (let i = before; i < entries.length; i++) if (!info.has(entries[i] ?? '')) info.set(entries[i] ?? '', lineInfo);
  }
  if (entries.length === 0 && !disabled) {
    invalid(source, 'the ranges file has no entries (a file without ranges is refused, not read as "allow everyone")', `to allow every source on purpose, write this line alone: "${LIST_DISABLED_MARKER}"`);
  }
  if (entries.length > 0 && disabled) invalid(source, `the file has entries and the line "${LIST_DISABLED_MARKER}"; keep one of them`);
  return checked(profileWithInfo(entries, [], { authorizedIpRanges: info }), source, check);
}

/** Throws when a list file cannot hold the profile (egress entries). */
function checkListable(profile: Profile, source: string): void {
  if (profile.egressIpRanges.length > 0) {
    throw new IpgateError('ERR_STORE_UNSUPPORTED', `Store ${source} is a ranges list file and cannot hold egressIpRanges; use a config file with a JSON store`, { input: source });
  }
}

export function encodeList(profile: Profile, source: string): string {
  checkListable(profile, source);
  if (profile.authorizedIpRanges.length === 0) return `${LIST_DISABLED_MARKER}\n`;
  const info = profile.entryInfo?.authorizedIpRanges;
  if (info === undefined || info.size === 0) return `${profile.authorizedIpRanges.join('\n')}\n`;
  return `${profile.authorizedIpRanges.map((entry) => entryLine(entry, info.get(entry))).join('\n')}\n`;
}

export function decodeProfile(format: StoreFormat, text: string, source: string, check?: ProfileCheck): Profile {
  return format === 'json' ? decodeJson(text, source, check) : decodeList(text, source, check);
}

/** Throws ERR_STORE_INVALID / ERR_STORE_UNSUPPORTED when the profile cannot be written in `format`. */
export function checkEncodable(format: StoreFormat, profile: Profile, source: string): void {
  for (const key of ['authorizedIpRanges', 'egressIpRanges'] as const) {
    const problem = listProblem(profile[key]);
    if (problem !== undefined) invalid(source, `"${key}" ${problem}`);
  }
  if (format === 'list') checkListable(profile, source);
}

export function encodeProfile(format: StoreFormat, profile: Profile, source: string): string {
  checkEncodable(format, profile, source);
  return format === 'json' ? encodeJson(profile) : encodeList(profile, source);
}
