/**
 * Query parameters of the admin API. Each route declares the parameters it takes; any other one is refused
 * (400 ERR_QUERY_UNKNOWN, with the closest declared name), so a misspelt `?dryrun=true` never turns into a
 * real write. A parameter given twice is refused too (ERR_QUERY): which one would count is a guess.
 */
import { closestName } from '../text/suggest.js';
import { ApiError, type EntryError } from './api-error.js';

/** Checks `query` against the parameters `route` (e.g. `PATCH /v1/profile`) takes. */
export function checkQuery(query: URLSearchParams, takes: readonly string[], route: string): void {
  const seen = new Set<string>();
  const unknown: EntryError[] = [];
  for (const name of query.keys()) {
    if (seen.has(name)) {
      if (takes.includes(name)) throw new ApiError('ERR_QUERY', `?${name}= is given more than once; give it once`);
      continue;
    }
    seen.add(name);
    if (takes.includes(name)) continue;
    const near = closestName(name, takes);
    const hint = near === undefined ? '' : `; did you mean "${near}"?`;
    unknown.push({ entry: name, code: 'ERR_QUERY_UNKNOWN', message: `unknown query parameter "${name}"${hint}`, ...(near === undefined ? {} : { suggestion: near }) });
  }
  if (unknown.length === 0) return;
  const takesText = takes.length === 0 ? 'it takes no query parameters' : `it takes: ${takes.join(', ')}`;
  throw new ApiError(
    'ERR_QUERY_UNKNOWN',
    `${route}: ${unknown.map((u) => u.message).join('; ')} (${takesText}); nothing was changed`,
    unknown,
  );
}

/** A boolean parameter: absent = false; `true`, `1` or empty = true; `false`, `0` = false. */
export function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  if (value === '' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ApiError('ERR_QUERY', `?${name}= must be true or false, got "${value}"`);
}
