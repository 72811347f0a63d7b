/**
 * The HAProxy allow map: a profile's decision written as HAProxy `map_ip` entries (`RANGE FAMILY`).
 *
 * HAProxy's IP matching is wider than ipgate's, so the map and the rules around it are built to cancel
 * the differences exactly:
 *   - an IPv6 source that is IPv4-compatible (`::a.b.c.d`), IPv4-mapped (`::ffff:a.b.c.d`) or 6to4
 *     (`2002:AABB:CCDD::/48`) that misses every IPv6 pattern is looked up again as IPv4;
 *   - an IPv4 source that misses every IPv4 pattern is looked up again as `::ffff:a.b.c.d` among the IPv6
 *     patterns.
 * ipgate judges `::ffff:a.b.c.d` as IPv4 and every other IPv6 source as IPv6. So each entry carries its
 * family as the map value, the rules accept an IPv4 (or mapped) source only on a `4` and any other source
 * only on a `6`, and IPv6 entries never cover the mapped block ::ffff:0:0/96 (an entry that contains it,
 * such as `::/0`, is written as the pieces around it). Then HAProxy allows a source exactly when ipgate does.
 */
import { formatRange } from '../cidr/format.js';
import { parseRange } from '../cidr/parse.js';
import { BITS, type Range } from '../cidr/types.js';
import type { CompiledProfile } from '../policy/decide.js';
import { allowedRanges } from '../policy/allowed.js';
import type { Profile } from '../policy/profile.js';

export { allowedRanges };

/** ::ffff:0:0/96, the IPv4-mapped block: ipgate judges these sources as IPv4. */
export const MAPPED_BLOCK: Range = { family: 6, network: 0xffffn << 32n, prefix: 96 };

export interface MapEntry {
  /** Canonical CIDR. */
  readonly key: string;
  /**
   * `4` or `6`: the family ipgate judges the sources of this entry by; `none`: the deny-all sentinel (see
   * DENY_ALL_ENTRY), which no rule accepts.
   */
  readonly value: '4' | '6' | 'none';
}

function contains(outer: Range, inner: Range): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const shift = BigInt(BITS[outer.family] - outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}

/** `range` minus `hole` (hole inside range): one prefix per level between them, the siblings of the path. */
export function subtractRange(range: Range, hole: Range): Range[] {
  if (!contains(range, hole)) return contains(hole, range) ? [] : [range];
  const bits = BITS[range.family];
  const out: Range[] = [];
  for (let prefix = range.prefix + 1; prefix <= hole.prefix; prefix++) {
    const shift = BigInt(bits - prefix);
    const pathNetwork = (hole.network >> shift) << shift;
    out.push({ family: range.family, network: pathNetwork ^ (1n << shift), prefix });
  }
  return out;
}

/**
 * The map entries for a (valid) profile: IPv4 first, then IPv6, none inside ::ffff:0:0/96. Give the
 * compiled profile when there is one: its entries are already parsed.
 */
/**
 * A profile that admits nobody (`0.0.0.0/32` with no egress ranges) has no allowed range, but an empty list is
 * never pushed to HAProxy (an empty or partial list is what a failed swap looks like). It is written as this
 * one entry instead: 0.0.0.0 is never the source of a connection, and its value is accepted by no rule.
 */
export const DENY_ALL_ENTRY: MapEntry = Object.freeze({ key: '0.0.0.0/32', value: 'none' });

export function allowMapEntries(source: Profile | CompiledProfile): MapEntry[] {
  const out: MapEntry[] = [];
  for (const range of allowedRanges(source)) {
    if (range.family === 4) {
      out.push({ key: formatRange(range), value: '4' });
      continue;
    }
    for (const piece of subtractRange(range, MAPPED_BLOCK)) out.push({ key: formatRange(piece), value: '6' });
  }
  return out.length === 0 ? [DENY_ALL_ENTRY] : out;
}

/** The map file's text: a header comment, then one `RANGE FAMILY` line per entry. */
export function allowMapText(entries: readonly MapEntry[], header: string): string {
  const lines = header
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => `# ${l}`);
  for (const e of entries) lines.push(`${e.key} ${e.value}`);
  return `${lines.join('\n')}\n`;
}

/**
 * HAProxy's decision for a source address under these map entries and the rules ipgate writes, modelled
 * from HAProxy's `pat_match_ip` (longest match in the source's own family, then the fallbacks described
 * above). Used by tests and `explain`-style checks; HAProxy itself is the authority at run time.
 */
export function haproxyModelAllows(entries: readonly MapEntry[], family: 4 | 6, value: bigint): boolean {
  const ranges = entries.map((e) => ({ range: parseRange(e.key), value: e.value }));
  const longest = (f: 4 | 6, v: bigint): MapEntry['value'] | undefined => {
    let best: { prefix: number; value: MapEntry['value'] } | undefined;
    for (const r of ranges) {
      if (r.range.family !== f) continue;
      const shift = BigInt(BITS[f] - r.range.prefix);
      if (v >> shift === r.range.network >> shift && (best === undefined || r.range.prefix > best.prefix)) best = { prefix: r.range.prefix, value: r.value };
    }
    return best?.value;
  };
  let found: MapEntry['value'] | undefined;
  let v4Side: boolean;
  if (family === 4) {
    v4Side = true;
    found = longest(4, value) ?? longest(6, (0xffffn << 32n) | value);
  } else {
    v4Side = value >> 32n === 0xffffn;
    found = longest(6, value);
    if (found === undefined) {
      const high64 = value >> 64n;
      const mid32 = (value >> 32n) & 0xffffffffn;
      if (high64 === 0n && (mid32 === 0n || mid32 === 0xffffn)) found = longest(4, value & 0xffffffffn);
      else if (value >> 112n === 0x2002n) found = longest(4, (value >> 80n) & 0xffffffffn);
    }
  }
  return found === (v4Side ? '4' : '6');
}

