/**
 * A plain list file: one or more entries per line separated by commas or whitespace, `#` starts a comment.
 * It is the user's own list, so entries follow the profile's rules exactly: a prefix with host bits set is
 * refused with the fix (it is not normalized as provider files are). Selector: empty (`office:`).
 */
import { IpgateError, type ErrorCode } from '../errors.js';
import { parseRange } from '../cidr/parse.js';
import { formatRange } from '../cidr/format.js';
import type { Range } from '../cidr/types.js';
import type { Catalogue } from './types.js';

/** Parses list text into ranges; errors name the line. `label` names the file in messages. */
export function parseRangeList(text: string, label: string, code: ErrorCode = 'ERR_SOURCE_PARSE'): Range[] {
  const ranges: Range[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const hash = line.indexOf('#');
    const body = hash >= 0 ? line.slice(0, hash) : line;
    for (const entry of body.split(/[,\s]+/)) {
      if (entry.length === 0) continue;
      try {
        ranges.push(parseRange(entry));
      } catch (error) {
        const inner = error instanceof IpgateError ? error : undefined;
        throw new IpgateError(code, `${label} line ${i + 1}: ${inner?.message ?? String(error)}`, {
          input: entry,
          ...(inner?.suggestion === undefined ? {} : { suggestion: `write ${inner.suggestion}` }),
        });
      }
    }
  });
  return ranges;
}

export function parseTextList(source: string, text: string): Catalogue {
  const ranges = parseRangeList(text, `source "${source}" (text)`);
  const seen = new Set(ranges.map(formatRange));
  return { source, type: 'text', named: new Map([['', ranges]]), groups: [], attributeKeys: [], prefixCount: seen.size, hostBitsNormalized: 0 };
}
