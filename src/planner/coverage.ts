/**
 * Which parts of a source range a set of allowed ranges covers, and which parts it misses. The missing
 * parts are what must be added to a profile; the result is exact (pieces are prefixes, no rounding).
 */
import { BITS, rangeLast, type Range } from '../cidr/types.js';

export interface Coverage {
  readonly covered: Range[];
  readonly missing: Range[];
}

function contains(outer: Range, inner: Range): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && outer.network <= inner.network && rangeLast(inner) <= rangeLast(outer);
}

function overlaps(a: Range, b: Range): boolean {
  return a.family === b.family && a.network <= rangeLast(b) && b.network <= rangeLast(a);
}

/** Splits `source` into the prefixes inside some allowed range and the prefixes inside none. */
export function coverage(source: Range, allowed: readonly Range[]): Coverage {
  const covered: Range[] = [];
  const missing: Range[] = [];
  const visit = (r: Range, candidates: readonly Range[]): void => {
    const touching = candidates.filter((a) => overlaps(a, r));
    if (touching.length === 0) {
      missing.push(r);
    } else if (touching.some((a) => contains(a, r))) {
      covered.push(r);
    } else {
      // Some allowed range lies strictly inside r: split r in two halves (r is never a single address here).
      const prefix = r.prefix + 1;
      const half = 1n << BigInt(BITS[r.family] - prefix);
      visit({ family: r.family, network: r.network, prefix }, touching);
      visit({ family: r.family, network: r.network + half, prefix }, touching);
    }
  };
  visit(source, allowed);
  return { covered, missing };
}

/** Whether two ranges share an address. */
export { overlaps as rangesOverlap, contains as rangeContains };
