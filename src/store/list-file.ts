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
 * and other trailing comments are kept as they are; lines of removed entries are dropped (from a line of
 * several entries, only the entry); new entries are appended, one a line.
 */
import { IpgateError } from '../errors.js';
import { checkNote, formatExpiry, parseExpiry } from '../policy/entry-info.js';
import type { FieldDiff } from '../policy/profile-diff.js';
import type { EntryInfo, Profile } from '../policy/profile.js';

/** In a list file, an explicit "no restriction": this exact line, alone on its line (see codec.ts). */
export const LIST_DISABLED_MARKER = '# ipgate: disabled (every source is allowed)';

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

/** Entries of one line (commas separate), and where its comment starts (-1: none). */
function lineEntries(line: string): { entries: string[]; hash: number } {
  const hash = line.indexOf('#');
  const content = hash === -1 ? line : line.slice(0, hash);
  const entries: string[] = [];
  for (const part of content.split(',')) {
    const entry = part.trim();
    if (entry !== '') entries.push(entry);
  }
  return { entries, hash };
}

/** Whether a line holds an entry: something before its comment other than blanks and commas. */
function hasEntry(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x23) return false; // '#'
    if (c !== 0x20 && c !== 0x09 && c !== 0x2c && c !== 0x0d && c !== 0x0b && c !== 0x0c && c !== 0xa0 && c !== 0xfeff) return true;
  }
  return false;
}

/**
 * The file's text edited by `diff` (what the change does to the authorized entries; a list file holds no
 * egress entries) into `target`: see the module header. Entries compare as written; lines of entries the
 * change does not touch are kept as they are, so an edit costs little more than reading the file.
 */
export function editListText(text: string, target: Profile, diff: FieldDiff): string {
  const info = target.entryInfo?.authorizedIpRanges;
  const disabled = target.authorizedIpRanges.length === 0;
  // Without removals or changed notes (an addition: the common case) every line stays.
  const untouched = diff.removed.length === 0 && diff.updated.length === 0;
  // Every entry of the target is new (a list replaced by another): every line with an entry goes.
  const replaced = !untouched && diff.added.length === target.authorizedIpRanges.length;
  const removal = untouched || replaced ? undefined : removals(diff);
  const updating = new Set(diff.updated);
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let marker = false;
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const plain = line.indexOf('#') === -1;
    if (!plain && line.trim() === LIST_DISABLED_MARKER) {
      if (disabled && !marker) out.push(line);
      marker = true;
      continue;
    }
    if (removal === undefined) {
      if (untouched || !hasEntry(line)) out.push(line);
      continue;
    }
    if (plain && !line.includes(',')) {
      // The common line, one entry and nothing else, judged without taking it apart.
      const entry = line.trim();
      if (entry !== '' && removal.take(entry)) continue;
      if (!updating.has(entry)) {
        out.push(line);
        continue;
      }
    }
    const { entries, hash } = lineEntries(line);
    if (entries.length === 0 || !entries.some((e) => removal.goes(e) || updating.has(e))) {
      out.push(line);
      continue;
    }
    const comment = hash === -1 ? undefined : line.slice(hash);
    const lineInfo = comment === undefined ? undefined : commentInfo(comment, entries[0] ?? '', 'the list file');
    const kept: string[] = [];
    const moved: string[] = [];
    for (const entry of entries) {
      if (removal.take(entry)) continue;
      if (updating.has(entry) && entries.length > 1) moved.push(entry); // a changed note: a line of its own
      else kept.push(entry);
    }
    const indent = /^\s*/.exec(line)?.[0] ?? '';
    const only = kept.length === 1 && entries.length === 1 ? kept[0] : undefined;
    if (only !== undefined && updating.has(only)) {
      // The one entry stays with another note or expiry. A plain comment it had moves to a line of its own
      // above it (the note takes the rest of the entry's line).
      if (lineInfo === undefined && comment !== undefined) out.push(`${indent}${comment}`);
      const noteComment = infoComment(info?.get(only));
      out.push(`${indent}${only}${noteComment === '' ? '' : `  ${noteComment}`}`);
    } else if (kept.length === entries.length) {
      out.push(line);
    } else if (kept.length > 0) {
      out.push(`${indent}${kept.join(', ')}${comment === undefined ? '' : `  ${comment}`}`);
    }
    for (const entry of moved) out.push(entryLine(entry, info?.get(entry)));
  }
  if (disabled && !marker) out.push(LIST_DISABLED_MARKER);
  for (const entry of diff.added) out.push(entryLine(entry, info?.get(entry)));
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

interface Removal {
  /** Whether an occurrence of `entry` goes. */
  goes(entry: string): boolean;
  /** The same, counting the occurrence as gone. */
  take(entry: string): boolean;
}

/**
 * Which entries of the file go, by the smaller side of the change: the entries removed (each occurrence
 * counted), or, when most entries go (a list largely replaced), the entries kept.
 */
function removals(diff: FieldDiff): Removal {
  if (diff.kept.length < diff.removed.length) {
    const keeping = new Set(diff.kept);
    const goes = (entry: string): boolean => !keeping.has(entry);
    return { goes, take: goes };
  }
  const removing = new Map<string, number>();
  for (const entry of diff.removed) removing.set(entry, (removing.get(entry) ?? 0) + 1);
  return {
    goes: (entry) => (removing.get(entry) ?? 0) > 0,
    take: (entry) => {
      const left = removing.get(entry) ?? 0;
      if (left > 0) removing.set(entry, left - 1);
      return left > 0;
    },
  };
}
