/**
 * The forms a list of ranges takes on the command line and in list files, pure:
 * - a JSON array of strings, as `az aks show --query apiServerAccessProfile.authorizedIpRanges` prints it
 *   without `-o tsv` (`null`, what it prints for a cluster without ranges, is an empty list);
 * - otherwise one entry per line, `#` comments, commas also separating entries (an
 *   `--api-server-authorized-ip-ranges` value pasted as is);
 * - and, where a FILE is expected, the list itself: a value that names no file and reads as a list
 *   (`203.0.113.0/24,198.51.100.7`, `""`, `["1.2.3.4"]`) is taken as the entries, as AKS's flag takes them.
 */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { IpgateError } from '../errors.js';

export interface ListEntry {
  /** The entry as written, trimmed. */
  readonly text: string;
  /** 1-based line number in the source. */
  readonly line: number;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Whether list text is in the JSON form (starts with `[`, or is `null`). */
export function isJsonList(text: string): boolean {
  const t = text.replace(/^\uFEFF/, '').trim();
  return t.startsWith('[') || t === 'null';
}

/** The entries of a JSON array of strings. Throws ERR_LIST_JSON naming `source` and what is wrong. */
export function jsonListEntries(text: string, source: string): ListEntry[] {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === 'null') return [];
  const errors: ParseError[] = [];
  const root: Node | undefined = parseTree(body, errors, { allowTrailingComma: false, disallowComments: true });
  const bad = (problem: string, line?: number): IpgateError => new IpgateError('ERR_LIST_JSON',
    `${source}${line === undefined ? '' : ` line ${line}`}: the list starts with "[" but ${problem}`, {
      input: source, suggestion: 'give a JSON array of strings (["203.0.113.0/24","198.51.100.7"]), or one entry a line',
    });
  const first = errors[0];
  if (first !== undefined) throw bad('is not valid JSON', lineAt(body, first.offset));
  if (root?.type !== 'array') throw bad('is not a JSON array');
  return (root.children ?? []).map((child) => {
    const line = lineAt(body, child.offset);
    if (child.type !== 'string' || typeof child.value !== 'string') throw bad(`holds ${child.type === 'null' ? 'null' : `a ${child.type}`} where a string is expected`, line);
    return { text: child.value.trim(), line };
  }).filter((e) => e.text !== '');
}

/** One entry per line (or comma-separated), `#` comments, blank lines ignored; or a JSON array. */
export function listEntries(text: string, source: string): ListEntry[] {
  if (isJsonList(text)) return jsonListEntries(text, source);
  const entries: ListEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const hash = raw.indexOf('#');
    const content = hash >= 0 ? raw.slice(0, hash) : raw;
    for (const part of content.split(',')) {
      const entry = part.trim();
      if (entry.length > 0) entries.push({ text: entry, line: i + 1 });
    }
  }
  return entries;
}

/** Spelt like an address or range (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`), not like a file name. */
const ADDRESS_LIKE = /^(?:\d{1,3}(?:\.\d{1,3}){1,3}|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*)(?:\/\d*)?$/;

/**
 * Whether a value given where a FILE is expected (and naming no file) is the list itself: empty (AKS's
 * `""`), comma-separated, a JSON array, or a single address or range.
 */
export function isInlineList(value: string): boolean {
  const v = value.trim();
  return v === '' || v.includes(',') || v.startsWith('[') || ADDRESS_LIKE.test(v);
}

/** List text in the line form, each entry on the line it was written on (so a JSON array's errors name its lines). */
export function asLineText(text: string, source: string): string {
  if (!isJsonList(text)) return text;
  const lines: string[] = [];
  for (const e of jsonListEntries(text, source)) lines[e.line - 1] = lines[e.line - 1] === undefined ? e.text : `${lines[e.line - 1] ?? ''},${e.text}`;
  return Array.from(lines, (l) => l ?? '').join('\n');
}
