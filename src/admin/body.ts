/**
 * Request bodies of the admin API, parsed strictly (unknown keys and wrong types are 400s). Entries to add
 * (PUT lists, PATCH `add`/`addEgress`) are strings or `{"range","note"?,"expires"?}` objects; a note must
 * be one line (ERR_ENTRY_NOTE), an expiry time an RFC 3339 date-time (ERR_ENTRY_EXPIRES) that has not passed
 * yet (ERR_ENTRY_EXPIRED).
 */
import { z } from 'zod';
import { IpgateError, type ErrorCode } from '../errors.js';
import { checkNote, checkNotExpired, formatExpiry, parseExpiry, profileWithInfo } from '../policy/entry-info.js';
import type { EntryInfo, Profile } from '../policy/profile.js';
import { parseStrictJson, StrictJsonError } from '../text/strict-json.js';
import { ApiError, type EntryError } from './api-error.js';

/** An entry of a request, with its note and expiry time when it has them. */
export interface EntryInput {
  readonly entry: string;
  readonly info?: EntryInfo;
}

const entries = z.array(z.unknown());

const profileBody = z.strictObject({
  authorizedIpRanges: entries,
  egressIpRanges: entries.default([]),
});

const patchBody = z.strictObject({
  add: entries.default([]),
  remove: z.array(z.string()).default([]),
  addEgress: entries.default([]),
  removeEgress: z.array(z.string()).default([]),
});

export interface PatchBody {
  readonly add: readonly EntryInput[];
  readonly remove: readonly string[];
  readonly addEgress: readonly EntryInput[];
  readonly removeEgress: readonly string[];
}

function parseJson(text: string): unknown {
  try {
    return parseStrictJson(text);
  } catch (error) {
    if (error instanceof StrictJsonError && error.problem.kind === 'duplicate-key') {
      throw new ApiError('ERR_BODY_DUPLICATE_KEY', `The request body is refused: ${error.problem.message}`, [
        { entry: error.problem.key, code: 'ERR_BODY_DUPLICATE_KEY', message: error.problem.message, ...(error.problem.path === '' ? {} : { field: error.problem.path }) },
      ]);
    }
    throw new ApiError('ERR_BODY_JSON', `The request body is ${error instanceof Error ? error.message : String(error)}`);
  }
}

function schemaErrors(issues: readonly z.core.$ZodIssue[]): EntryError[] {
  return issues.map((issue) => ({
    entry: issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(body)'),
    code: issue.code === 'unrecognized_keys' ? 'ERR_BODY_UNKNOWN_KEY' : 'ERR_BODY_SHAPE',
    message: issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

const ENTRY_KEYS = ['range', 'note', 'expires'];

/**
 * Reads the entries of one list of a request. Shape problems go to `shape`, note and expiry problems to
 * `problems`; the entries that could be read are returned.
 */
function readEntries(list: readonly unknown[], field: string, now: number, shape: EntryError[], problems: EntryError[]): EntryInput[] {
  const out: EntryInput[] = [];
  list.forEach((item, index) => {
    if (typeof item === 'string') {
      out.push({ entry: item });
      return;
    }
    const at = `${field}.${index}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      shape.push({ entry: at, code: 'ERR_BODY_SHAPE', message: 'an entry is a string or {"range","note"?,"expires"?}', field, index });
      return;
    }
    const record = item as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !ENTRY_KEYS.includes(k));
    if (extra.length > 0) {
      shape.push({ entry: at, code: 'ERR_BODY_UNKNOWN_KEY', message: `unknown key(s): ${extra.join(', ')} (an entry object is {"range","note"?,"expires"?})`, field, index });
      return;
    }
    const { range, note, expires } = record;
    if (typeof range !== 'string' || (note !== undefined && typeof note !== 'string') || (expires !== undefined && typeof expires !== 'string')) {
      shape.push({ entry: at, code: 'ERR_BODY_SHAPE', message: '"range" must be a string, and "note" and "expires" strings when given', field, index });
      return;
    }
    let info: EntryInfo = {};
    try {
      if (note !== undefined) info = { note: checkNote(note, range) };
      if (expires !== undefined) {
        const ms = parseExpiry(expires, range);
        checkNotExpired(ms, now, range);
        info = { ...info, expires: formatExpiry(ms) };
      }
    } catch (error) {
      if (!(error instanceof IpgateError)) throw error;
      problems.push({ entry: range, code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }), field, index });
      return;
    }
    out.push({ entry: range, ...(info.note === undefined && info.expires === undefined ? {} : { info }) });
  });
  return out;
}

/** Throws for the problems found: a shape problem first, then note and expiry problems. */
function refuse(shape: readonly EntryError[], problems: readonly EntryError[], expected: string, listCode: ErrorCode): void {
  if (shape.length > 0) throw new ApiError('ERR_BODY_SHAPE', `Expected ${expected}`, shape);
  if (problems.length === 0) return;
  const codes = new Set(problems.map((p) => p.code));
  const [only] = codes;
  const code = codes.size === 1 && only !== undefined ? only : listCode;
  const first = problems[0];
  const message = problems.length === 1 && first !== undefined ? first.message : `${problems.length} entries have a bad note or expiry time; nothing was changed`;
  throw new ApiError(code, message, problems);
}

/** A list of a request as entries and their notes; a list of strings (the common case) is taken as it is. */
function readList(list: readonly unknown[], field: string, now: number, shape: EntryError[], problems: EntryError[]): { entries: readonly string[]; info: Map<string, EntryInfo> } {
  const info = new Map<string, EntryInfo>();
  if (list.every((item) => typeof item === 'string')) return { entries: list as readonly string[], info };
  const read = readEntries(list, field, now, shape, problems);
  for (const e of read) if (e.info !== undefined && !info.has(e.entry)) info.set(e.entry, e.info);
  return { entries: read.map((e) => e.entry), info };
}

const PROFILE_SHAPE = '{"authorizedIpRanges":[...],"egressIpRanges":[...]} (entries: strings or {"range","note"?,"expires"?})';

export function parseProfileBody(text: string, now: number = Date.now()): Profile {
  const result = profileBody.safeParse(parseJson(text));
  if (!result.success) throw new ApiError('ERR_BODY_SHAPE', `Expected ${PROFILE_SHAPE}`, schemaErrors(result.error.issues));
  const shape: EntryError[] = [];
  const problems: EntryError[] = [];
  const authorized = readList(result.data.authorizedIpRanges, 'authorizedIpRanges', now, shape, problems);
  const egress = readList(result.data.egressIpRanges, 'egressIpRanges', now, shape, problems);
  refuse(shape, problems, PROFILE_SHAPE, 'ERR_PROFILE_INVALID');
  return profileWithInfo(authorized.entries, egress.entries, { authorizedIpRanges: authorized.info, egressIpRanges: egress.info });
}

const PATCH_SHAPE = '{"add":[...],"remove":[...]} (also "addEgress", "removeEgress"; entries to add: strings or {"range","note"?,"expires"?})';

export function parsePatchBody(text: string, now: number = Date.now()): PatchBody {
  const result = patchBody.safeParse(parseJson(text));
  if (!result.success) throw new ApiError('ERR_BODY_SHAPE', `Expected ${PATCH_SHAPE}`, schemaErrors(result.error.issues));
  const shape: EntryError[] = [];
  const problems: EntryError[] = [];
  const body: PatchBody = {
    add: readEntries(result.data.add, 'add', now, shape, problems),
    remove: result.data.remove,
    addEgress: readEntries(result.data.addEgress, 'addEgress', now, shape, problems),
    removeEgress: result.data.removeEgress,
  };
  refuse(shape, problems, PATCH_SHAPE, 'ERR_PATCH_INVALID');
  if (body.add.length + body.remove.length + body.addEgress.length + body.removeEgress.length === 0) {
    throw new ApiError('ERR_PATCH_EMPTY', 'The patch changes nothing: give "add" and/or "remove" entries');
  }
  return body;
}
