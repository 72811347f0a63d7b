/**
 * "Did you mean": close names by edit distance (case-insensitive), for misspelt config keys, network names,
 * sources and selectors.
 */

/** Levenshtein distance, ignoring case. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/**
 * Up to `limit` candidates close to `input`: within an edit distance of a third of the input's length (at
 * least 2), or starting with the input; closest first.
 */
export function closeMatches(input: string, candidates: Iterable<string>, limit = 5): string[] {
  const bound = Math.max(2, Math.floor(input.length / 3));
  const lower = input.toLowerCase();
  const scored: Array<{ c: string; d: number }> = [];
  for (const c of new Set(candidates)) {
    const d = editDistance(input, c);
    if (d <= bound || (lower.length >= 3 && c.toLowerCase().startsWith(lower))) scored.push({ c, d });
  }
  scored.sort((p, q) => p.d - q.d || p.c.localeCompare(q.c));
  return scored.slice(0, limit).map((s) => s.c);
}

export function didYouMean(matches: readonly string[]): string | undefined {
  return matches.length === 0 ? undefined : `did you mean ${matches.map((m) => JSON.stringify(m)).join(', ')}?`;
}

/** The one closest known name, when it is close enough to be a likely typo (a third of its length, at least 1). */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}
