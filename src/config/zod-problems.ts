/**
 * The config schema's findings (zod issues) as config problems with stable codes: an unknown key
 * (ERR_CONFIG_UNKNOWN_KEY, with a did-you-mean), a missing key (ERR_CONFIG_MISSING_KEY), a value of the wrong
 * type (ERR_CONFIG_TYPE: `wrong type: expected boolean, got the string "no"`), any other bad value
 * (ERR_CONFIG_VALUE). The document must be parsed with `{ reportInput: true }`: zod puts the offending value
 * in an issue only then, and a missing key is exactly an issue without one.
 */
import type { z } from 'zod';
import { formatKeyPath } from '../text/key-path.js';
import { closestName } from '../text/suggest.js';
import type { ConfigProblem } from './problems.js';

/** What a YAML value is, in words: `the string "no"`, `the number 10`, `an empty value (null)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `the ${typeof value} ${String(value)}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

const EXPECTED: Readonly<Record<string, string>> = { array: 'a list', object: 'a mapping (key: value)', int: 'a whole number' };

/** The value the user probably meant, when a string stands where a boolean or number belongs. */
function likelyMeant(expected: string, input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const text = input.trim().toLowerCase();
  if (expected === 'boolean') {
    if (['yes', 'y', 'on', 'true'].includes(text)) return 'true';
    if (['no', 'n', 'off', 'false'].includes(text)) return 'false';
  }
  if ((expected === 'number' || expected === 'int') && /^-?\d+(\.\d+)?$/.test(text)) return text;
  return undefined;
}

/** Extra words for keys whose absence could be misread as a choice. */
function missingHint(path: string): string {
  if (path === 'profile.authorizedIpRanges') {
    return ': list the authorized ranges, or write authorizedIpRanges: [] to allow every source on purpose (a missing list is not read as "disabled")';
  }
  return '';
}

function typeProblem(path: string, issue: z.core.$ZodIssueInvalidType): ConfigProblem {
  const input: unknown = issue.input;
  if (input === undefined) return { path, code: 'ERR_CONFIG_MISSING_KEY', message: `required key is missing${missingHint(path)}` };
  if (issue.expected === 'int' && typeof input === 'number') {
    return { path, code: 'ERR_CONFIG_VALUE', message: `expected a whole number, got ${String(input)}`, suggestion: String(Math.round(input)) };
  }
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  const meant = likelyMeant(issue.expected, input);
  const hint = path === 'profile.authorizedIpRanges' && input === null ? '; list the authorized ranges, or write [] to allow every source on purpose' : '';
  return {
    path,
    code: 'ERR_CONFIG_TYPE',
    message: `wrong type: expected ${expected}, got ${describeValue(input)}${hint}`,
    ...(meant === undefined ? {} : { suggestion: meant }),
  };
}

/** One problem per issue (one per unknown key); `knownKeys` gives the keys allowed at a path (`listeners[]`). */
export function zodProblems(issues: readonly z.core.$ZodIssue[], knownKeys: (normalizedPath: string) => readonly string[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(formatKeyPath(issue.path.map((k) => (typeof k === 'number' ? '[]' : k))).replace(/\.\[\]/g, '[]'));
      for (const key of issue.keys) {
        const near = closestName(key, known);
        out.push({
          path: formatKeyPath([...issue.path, key]),
          code: 'ERR_CONFIG_UNKNOWN_KEY',
          message: `unknown key "${key}"${near === undefined ? `; known keys here: ${known.join(', ')}` : `; did you mean "${near}"?`}`,
          ...(near === undefined ? {} : { suggestion: near }),
        });
      }
      continue;
    }
    const path = formatKeyPath(issue.path);
    if (issue.code === 'invalid_type') out.push(typeProblem(path, issue));
    else out.push({ path, code: 'ERR_CONFIG_VALUE', message: issue.message });
  }
  return out;
}
