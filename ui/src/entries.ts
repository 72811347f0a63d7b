/**
 * Profile entries as the admin API sends them (a plain string, or `{"range","note"?,"expires"?}` when the
 * entry carries a note or an expiry time), and the check of a typed entry. The check is the product's own
 * range parser and reference syntax (bundled from src/), so the dashboard shows, as you type, the same codes,
 * messages and suggestions as the CLI and the API; references to range sources are judged by the server
 * in the preview.
 */
import { parseRange } from '../../src/cidr/parse.js';
import { parseReference } from '../../src/sources/reference.js';
import type { V4Range } from './ipv4-map.js';

export type WireEntry = string | { readonly range: string; readonly note?: string; readonly expires?: string };

export interface WireProfile {
  readonly authorizedIpRanges: readonly WireEntry[];
  readonly egressIpRanges: readonly WireEntry[];
}

export function entryText(e: WireEntry): string {
  return typeof e === 'string' ? e : e.range;
}

export function entryNote(e: WireEntry): string | undefined {
  return typeof e === 'string' ? undefined : e.note;
}

export function entryExpires(e: WireEntry): string | undefined {
  return typeof e === 'string' ? undefined : e.expires;
}

export type EntryCheck =
  | { readonly ok: true; readonly kind: 'range' | 'reference'; readonly canonical: string }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly suggestion?: string };

interface CodedLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly suggestion?: unknown;
}

/** Checks one typed entry as the API would (ranges fully; references by their syntax). */
export function checkEntry(text: string): EntryCheck {
  const ref = parseReference(text);
  if (ref !== undefined) return { ok: true, kind: 'reference', canonical: text };
  try {
    const range = parseRange(text);
    return { ok: true, kind: 'range', canonical: text.includes('/') ? text : `${text}/${range.family === 4 ? 32 : 128}` };
  } catch (error) {
    const e = error as CodedLike;
    return {
      ok: false,
      code: typeof e.code === 'string' ? e.code : 'ERR_RANGE_SYNTAX',
      message: typeof e.message === 'string' ? e.message : String(error),
      ...(typeof e.suggestion === 'string' ? { suggestion: e.suggestion } : {}),
    };
  }
}

/** The IPv4 addresses an entry covers (undefined for IPv6 ranges and references). */
export function v4Range(text: string): V4Range | undefined {
  try {
    const r = parseRange(text);
    if (r.family !== 4) return undefined;
    const first = Number(r.network);
    return { first, last: first + 2 ** (32 - r.prefix) - 1 };
  } catch {
    return undefined;
  }
}

/** Parses an IPv4 address to a number (undefined when it is not one). */
export function v4Address(text: string): number | undefined {
  const r = v4Range(text);
  return r !== undefined && r.first === r.last ? r.first : undefined;
}
