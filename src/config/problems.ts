/**
 * Config problems: each names the key path it is about (`listeners[0].address`), and ConfigError carries
 * every problem of a config at once.
 */
import { IpgateError } from '../errors.js';

export interface ConfigProblem {
  /** Key path, e.g. `listeners[0].adress`; empty for the whole document. */
  readonly path: string;
  readonly code: string;
  readonly message: string;
  readonly suggestion?: string;
}

export class ConfigError extends IpgateError {
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    const list = problems.map((p) => `${p.path === '' ? '(document)' : p.path}: ${p.message}${p.suggestion === undefined ? '' : ` (suggestion: ${p.suggestion})`}`);
    super('ERR_CONFIG_INVALID', `Config ${source} is invalid: ${list.join('; ')}`, { input: source });
    this.name = 'ConfigError';
    this.problems = problems;
  }
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

/** Edit distance, for "did you mean" on misspelt keys. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest known key, when it is close enough to be a likely typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}
