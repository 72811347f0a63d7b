/** Helpers shared by the source parsers: strict prefix parsing and uniform ERR_SOURCE_PARSE errors. */
import { IpgateError } from '../errors.js';
import { parseRange } from '../cidr/parse.js';
import { formatRange } from '../cidr/format.js';
import type { Range } from '../cidr/types.js';
import type { SourceType } from './types.js';

export function sourceParseError(source: string, type: SourceType, problem: string, input?: string): IpgateError {
  return new IpgateError('ERR_SOURCE_PARSE', `Cannot read source "${source}" (${type}): ${problem}`, {
    input: input ?? source,
    suggestion: 'check that the file is the provider\'s published file of this type; the last good copy stays in use',
  });
}

/** Counts prefixes normalized because the provider published them with host bits set. */
export interface PrefixCounter {
  hostBitsNormalized: number;
  readonly seen: Set<string>;
}

export function newCounter(): PrefixCounter {
  return { hostBitsNormalized: 0, seen: new Set() };
}

/**
 * Parses one published prefix strictly (parseRange). A prefix with host bits set (`20.1.2.3/24`) is taken
 * as the block the provider evidently means (`20.1.2.0/24`) and counted; anything else that does not parse
 * makes the whole file unreadable.
 */
export function parseProviderPrefix(value: unknown, where: string, source: string, type: SourceType, counter: PrefixCounter): Range {
  if (typeof value !== 'string') {
    throw sourceParseError(source, type, `${where}: expected a prefix string, got ${value === null ? 'null' : typeof value}`);
  }
  let range: Range;
  try {
    range = parseRange(value);
  } catch (error) {
    if (error instanceof IpgateError && error.code === 'ERR_HOST_BITS' && error.suggestion !== undefined) {
      counter.hostBitsNormalized++;
      range = parseRange(error.suggestion);
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      throw sourceParseError(source, type, `${where}: ${reason}`, value);
    }
  }
  counter.seen.add(formatRange(range));
  return range;
}

/** JSON.parse that reports a malformed file as ERR_SOURCE_PARSE; requires a top-level object. */
export function parseJsonObject(text: string, source: string, type: SourceType): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw sourceParseError(source, type, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw sourceParseError(source, type, 'expected a JSON object at the top level');
  }
  return value as Record<string, unknown>;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A string field of a record, or a parse error naming where it was expected. */
export function stringField(record: Record<string, unknown>, key: string, where: string, source: string, type: SourceType): string {
  const value = record[key];
  if (typeof value !== 'string') throw sourceParseError(source, type, `${where}: field "${key}" must be a string`);
  return value;
}

export function versionOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
