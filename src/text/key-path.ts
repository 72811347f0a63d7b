/**
 * Problems found in a YAML document (a config, a topology): each names the key path it is about
 * (`listeners[0].address`, `clients[1].via.vpn`), so every problem of a document can be reported at once.
 */

import type { ErrorCode } from '../errors.js';

export interface KeyedProblem {
  /** Key path, e.g. `listeners[0].adress`; empty for the whole document. */
  readonly path: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly suggestion?: string;
}

/** Formats a path of keys and indexes as `a.b[0].c`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One line: `path: message (suggestion: ...)`. */
export function formatKeyedProblem(problem: KeyedProblem): string {
  const where = problem.path === '' ? '(document)' : problem.path;
  return `${where}: ${problem.message}${problem.suggestion === undefined ? '' : ` (suggestion: ${problem.suggestion})`}`;
}
