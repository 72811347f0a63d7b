/** What changed between two versions of a source: prefixes added and removed, per reference and overall. */
import { formatRange } from '../cidr/format.js';
import type { Catalogue } from './types.js';
import { select } from './select.js';
import { parseReference } from './reference.js';

export interface PrefixChange {
  /** The reference (`aws:service=EC2`) or `<source>:*` for the whole file. */
  readonly reference: string;
  readonly added: string[];
  readonly removed: string[];
}

function allPrefixes(c: Catalogue): Set<string> {
  const out = new Set<string>();
  for (const list of c.named.values()) for (const r of list) out.add(formatRange(r));
  for (const g of c.groups) for (const r of g.ranges) out.add(formatRange(r));
  return out;
}

function selected(c: Catalogue | undefined, selector: string): Set<string> {
  if (c === undefined) return new Set();
  try {
    return new Set(select(c, selector).map(formatRange));
  } catch {
    return new Set(); // the selector does not exist in this version
  }
}

function change(reference: string, before: Set<string>, after: Set<string>): PrefixChange | undefined {
  const added = [...after].filter((p) => !before.has(p));
  const removed = [...before].filter((p) => !after.has(p));
  return added.length === 0 && removed.length === 0 ? undefined : { reference, added, removed };
}

/**
 * Changes from `before` to `after` (same source): one entry for the whole file (`name:*`) and one per given
 * reference that points into this source (bare Azure tags count when `after` is an azure-service-tags source
 * and `firstAzure` is true). Unchanged references are left out.
 */
export function diffCatalogues(before: Catalogue | undefined, after: Catalogue, references: readonly string[] = [], firstAzure = false): PrefixChange[] {
  const out: PrefixChange[] = [];
  const whole = change(`${after.source}:*`, before === undefined ? new Set() : allPrefixes(before), allPrefixes(after));
  if (whole !== undefined) out.push(whole);
  for (const entry of new Set(references)) {
    const ref = parseReference(entry);
    if (ref === undefined) continue;
    const mine = ref.kind === 'reference' ? ref.source === after.source : firstAzure && after.type === 'azure-service-tags';
    if (!mine) continue;
    const c = change(entry, selected(before, ref.selector), selected(after, ref.selector));
    if (c !== undefined) out.push(c);
  }
  return out;
}
