/**
 * JSON read strictly (pure): `JSON.parse` lets a repeated key silently win over an earlier one, so
 * `{"authorizedIpRanges":["10.0.0.0/8"],"authorizedIpRanges":[]}` would read as the last value. For a security
 * boundary a document that says two things is refused instead. Syntax is checked by `JSON.parse` (its messages
 * are the familiar ones); repeated keys by a scan of the same text (jsonc-parser's visitor, escapes decoded,
 * so `"a"` and `"\u0061"` are the same key).
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

/** Parses JSON, refusing repeated keys. Throws StrictJsonError (syntax or duplicate-key). */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StrictJsonError({ kind: 'syntax', message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` });
  }
  if (typeof value === 'object' && value !== null) {
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
