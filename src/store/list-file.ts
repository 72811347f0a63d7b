/**
 * The lines of a ranges list file (pure): entries, comments, and the notes and expiry times ipgate writes as
 * an entry's trailing comment, in exactly one of these forms (a note is always last and runs to the end of
 * the line, so any text is read back as written):
 *
 *   203.0.113.7/32  # expires: 2026-12-02T18:00:00Z; note: Alice, VPN outage
 *   203.0.113.7/32  # expires: 2026-12-02T18:00:00Z
 *   203.0.113.7/32  # note: Alice, VPN outage
 *
 * Any other comment is a comment. A trailing comment that starts with `expires:` but is not one of these
 * forms is refused (an expiry that cannot be read must not become an entry that never expires).
 *
 * A write through ipgate edits the file in place (editListText): lines of entries that stay, comment lines
 * and other trailing comments are kept as they are; lines of removed entries are dropped; new entries are
 * appended, one a line.
 */
import { IpgateError } from '../errors.js';
import { checkNote, formatExpiry, parseExpiry } from '../policy/entry-info.js';
import type { EntryInfo, Profile } from '../policy/profile.js';

/** In a list file, an explicit "no restriction": this exact line, alone on its line (see codec.ts). */
export const LIST_DISABLED_MARKER = '# ipgate: disabled (every source is allowed)';

export interface ListLine {
  /** The line as it is in the file (without its line break). */
  readonly text: string;
  /** The entries on it (one usually; commas separate several). */
  readonly entries: readonly string[];
  /** Text from the first `#` on (undefined: no comment). */
  readonly comment?: string;
  /** The note and expiry its trailing comment gives the entries on it. */
  readonly info?: EntryInfo;
  readonly marker: boolean;
}

const EXPIRES_FORM = /^expires:\s*(\S+?)\s*(?:;\s*note:(.*))?$/;

/** The note and expiry time of a trailing comment (`# ...`), undefined for a plain comment; throws ERR_STORE_INVALID. */
export function commentInfo(comment: string, entry: string, where: string): EntryInfo | undefined {
  const body = comment.replace(/^#/, '').trim();
  const bad = (why: string): never => {
    throw new IpgateError('ERR_STORE_INVALID', `Store ${where} is unusable: ${why}`, {
      input: where,
      suggestion: 'write "# expires: 2026-12-02T18:00:00Z; note: TEXT", "# expires: TIME" or "# note: TEXT" after the entry',
    });
  };
  const check = (run: () => string): string => {
    try {
      return run();
    } catch (error) {
      return bad(error instanceof Error ? error.message : String(error));
    }
  };
  if (body.startsWith('note:')) return { note: check(() => checkNote(body.slice(5), entry)) };
  if (!body.startsWith('expires:')) return undefined;
  const m = EXPIRES_FORM.exec(body);
  if (m === null) return bad(`the comment ${JSON.stringify(comment)} of ${JSON.stringify(entry)} starts like an expiry time but is not "expires: TIME" or "expires: TIME; note: TEXT"`);
  const expires = check(() => formatExpiry(parseExpiry(m[1] ?? '', entry)));
  const note = m[2] === undefined ? undefined : check(() => checkNote(m[2] ?? '', entry));
  return { expires, ...(note === undefined ? {} : { note }) };
}

/** Reads the file's lines. `where` names the file in errors. */
export function parseListLines(text: string, where: string): ListLine[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, n) => {
    if (line.trim() === LIST_DISABLED_MARKER) return { text: line, entries: [], marker: true };
    const hash = line.indexOf('#');
    const content = hash === -1 ? line : line.slice(0, hash);
    const entries: string[] = [];
    for (const part of content.split(',')) {
      const entry = part.trim();
      if (entry !== '') entries.push(entry);
    }
    const comment = hash === -1 ? undefined : line.slice(hash);
    const info = comment === undefined || entries.length === 0 ? undefined : commentInfo(comment, entries[0] ?? '', `${where} line ${n + 1}`);
    return { text: line, entries, marker: false, ...(comment === undefined ? {} : { comment }), ...(info === undefined ? {} : { info }) };
  });
}

/** The trailing comment ipgate writes for an entry's note and expiry time ('' for none). */
export function infoComment(info: EntryInfo | undefined): string {
  if (info === undefined) return '';
  if (info.expires !== undefined) return `# expires: ${info.expires}${info.note === undefined ? '' : `; note: ${info.note}`}`;
  return info.note === undefined ? '' : `# note: ${info.note}`;
}

/** One entry's line as ipgate writes it. */
export function entryLine(entry: string, info: EntryInfo | undefined): string {
  const comment = infoComment(info);
  return comment === '' ? entry : `${entry}  ${comment}`;
}

function sameNote(a: EntryInfo | undefined, b: EntryInfo | undefined): boolean {
  return a?.note === b?.note && a?.expires === b?.expires;
}

/**
 * The file's text edited into `target` (authorized entries only; a list file holds no egress entries):
 * see the module header. Entries compare as written; the order of the entries already in the file is kept.
 */
export function editListText(text: string, target: Profile, where: string): string {
  const wanted = new Map<string, number>();
  for (const entry of target.authorizedIpRanges) wanted.set(entry, (wanted.get(entry) ?? 0) + 1);
  const info = target.entryInfo?.authorizedIpRanges;
  const disabled = target.authorizedIpRanges.length === 0;
  const out: string[] = [];
  const take = (entry: string): boolean => {
    const left = wanted.get(entry) ?? 0;
    if (left === 0) return false;
    wanted.set(entry, left - 1);
    return true;
  };
  let marker = false;
  for (const line of parseListLines(text, where)) {
    if (line.marker) {
      if (disabled && !marker) out.push(line.text);
      marker = true;
      continue;
    }
    if (line.entries.length === 0) {
      out.push(line.text);
      continue;
    }
    const kept: string[] = [];
    const moved: string[] = [];
    for (const entry of line.entries) {
      if (!take(entry)) continue;
      // An entry whose note changed gets a line of its own unless it is alone on this one.
      if (sameNote(line.info, info?.get(entry)) || line.entries.length === 1) kept.push(entry);
      else moved.push(entry);
    }
    if (kept.length === line.entries.length && (kept.length !== 1 || sameNote(line.info, info?.get(kept[0] ?? '')))) {
      out.push(line.text);
    } else if (kept.length === 1 && line.entries.length === 1) {
      // The one entry stays; its note or expiry changed. A plain comment it had moves to a line of its own
      // above it (the note takes the rest of the entry's line).
      const entry = kept[0] ?? '';
      const indent = /^\s*/.exec(line.text)?.[0] ?? '';
      const noteComment = infoComment(info?.get(entry));
      if (line.info === undefined && line.comment !== undefined) out.push(`${indent}${line.comment}`);
      out.push(`${indent}${entry}${noteComment === '' ? '' : `  ${noteComment}`}`);
    } else if (kept.length > 0) {
      const indent = /^\s*/.exec(line.text)?.[0] ?? '';
      out.push(`${indent}${kept.join(', ')}${line.comment === undefined ? '' : `  ${line.comment}`}`);
    }
    for (const entry of moved) out.push(entryLine(entry, info?.get(entry)));
  }
  if (disabled && !marker) out.push(LIST_DISABLED_MARKER);
  for (const entry of target.authorizedIpRanges) {
    if (take(entry)) out.push(entryLine(entry, info?.get(entry)));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
