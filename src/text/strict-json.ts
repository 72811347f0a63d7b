/**
 * JSON read strictly (pure): `JSON.parse` lets a repeated key silently win over an earlier one, so
 * `{"authorizedIpRanges":["10.0.0.0/8"],"authorizedIpRanges":[]}` would read as the last value. For a security
 * boundary a document that says two things is refused instead. Syntax is checked by `JSON.parse` (its messages
 * are the familiar ones); repeated keys by a scan of the same text (escapes decoded, so `"a"` and `"\u0061"`
 * are the same key): a quick scan that only looks at keys (a large list of strings is passed over string by
 * string), and, when it finds a repeat, jsonc-parser's visitor to say where.
 */
import { visit } from 'jsonc-parser';
import { formatKeyPath } from './key-path.js';

export type StrictJsonProblem =
  | { readonly kind: 'syntax'; readonly message: string }
  /** `path` is the object holding the repeated key (`''` for the top level), `key` the key. */
  | { readonly kind: 'duplicate-key'; readonly path: string; readonly key: string; readonly message: string };

export class StrictJsonError extends Error {
  constructor(readonly problem: StrictJsonProblem) {
    super(problem.message);
    this.name = 'StrictJsonError';
  }
}

/** The first repeated key of `text` (valid JSON), or undefined. */
export function findDuplicateKey(text: string): { path: string; key: string } | undefined {
  const objects: Set<string>[] = [];
  let found: { path: string; key: string } | undefined;
  visit(
    text,
    {
      onObjectBegin: () => {
        objects.push(new Set());
        return found === undefined;
      },
      onObjectEnd: () => {
        objects.pop();
      },
      onObjectProperty: (property, _offset, _length, _line, _column, pathSupplier) => {
        const keys = objects[objects.length - 1];
        if (keys === undefined || found !== undefined) return;
        if (keys.has(property)) found = { path: formatKeyPath(pathSupplier()), key: property };
        keys.add(property);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
}

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Whether some object of `text` (valid JSON) has a key twice. Objects push a set of their keys, arrays a
 * null; a string is a key when it follows `{` or `,` inside an object.
 */
export function hasRepeatedKey(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote: the next one not escaped (preceded by an even number of backslashes).
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end < 0) return false; // (not valid JSON: never the case after JSON.parse)
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectKey) {
        const keys = stack[stack.length - 1];
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (keys !== undefined && keys !== null) {
          if (keys.has(key)) return true;
          keys.add(key);
        }
        expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 123) { // {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 91) { // [
      stack.push(null);
      expectKey = false;
    } else if (c === 125 || c === 93) { // } ]
      stack.pop();
      expectKey = false;
    } else if (c === 44) { // ,
      expectKey = (stack[stack.length - 1] ?? null) !== null;
    }
    i++;
  }
  return false;
}

/** Parses JSON, refusing repeated keys. Throws StrictJsonError (syntax or duplicate-key). */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StrictJsonError({ kind: 'syntax', message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` });
  }
  if (typeof value === 'object' && value !== null && hasRepeatedKey(text)) {
    const duplicate = findDuplicateKey(text);
    if (duplicate !== undefined) {
      const where = duplicate.path === '' ? '' : ` in ${duplicate.path}`;
      throw new StrictJsonError({
        kind: 'duplicate-key',
        ...duplicate,
        message: `the key "${duplicate.key}" appears more than once${where}; a repeated key is refused (JSON would keep only the last one)`,
      });
    }
  }
  return value;
}
