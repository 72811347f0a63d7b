/**
 * Topology problems: each names the key path it is about (`clients[1].via.vpn`), and TopologyError carries
 * every problem of a topology at once.
 */
import { IpgateError } from '../errors.js';

export interface TopologyProblem {
  /** Key path, e.g. `clients[1].via.vpn`; empty for the whole document. */
  readonly path: string;
  readonly code: string;
  readonly message: string;
  readonly suggestion?: string;
}

export class TopologyError extends IpgateError {
  readonly problems: readonly TopologyProblem[];

  constructor(source: string, problems: readonly TopologyProblem[]) {
    const n = problems.length;
    super('ERR_TOPOLOGY_INVALID', `${source} is not a valid topology (${n} problem${n === 1 ? '' : 's'}): ${problems.map(formatProblem).join('; ')}`, { input: source });
    this.name = 'TopologyError';
    this.problems = problems;
  }
}

/** One line: `path: message (suggestion: ...)`. */
export function formatProblem(problem: TopologyProblem): string {
  const where = problem.path === '' ? '(document)' : problem.path;
  return `${where}: ${problem.message}${problem.suggestion === undefined ? '' : ` (suggestion: ${problem.suggestion})`}`;
}

/** Formats a path of keys and indexes as `a.b[0].c`. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest known name when it is close enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}
