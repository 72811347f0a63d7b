/**
 * Selecting prefixes from a catalogue: a name (`AzureCloud.westeurope`, `actions`, '' for a text list,
 * matched case-insensitively) or `key=value[,key=value...]` where every pair must match (keys and values
 * case-insensitive). Unknown names, keys or values are ERR_SELECTOR_UNKNOWN with close matches. A `kubernetes`
 * source has its own grammar (kube-select.ts).
 */
import { IpgateError } from '../errors.js';
import { compareRanges, type Range } from '../cidr/types.js';
import { formatRange } from '../cidr/format.js';
import type { Catalogue } from './types.js';
import { closeMatches, didYouMean } from '../text/suggest.js';
import { selectKube } from './kube-select.js';

function unknownSelector(catalogue: Catalogue, selector: string, what: string, matches: readonly string[]): IpgateError {
  const hint = didYouMean(matches);
  return new IpgateError('ERR_SELECTOR_UNKNOWN',
    `Source "${catalogue.source}" (${catalogue.type}) has no ${what}${hint === undefined ? '' : `; ${hint}`}`, {
      input: `${catalogue.source}:${selector}`,
      suggestion: hint === undefined ? `run 'ipgate sources show' to list the selectors of "${catalogue.source}"` : `${catalogue.source}:${matches[0] ?? ''}`,
    });
}

/** Every `key=value` pair the catalogue's groups offer, for suggestions and listings. */
export function attributeSelectors(catalogue: Catalogue): string[] {
  const out = new Set<string>();
  for (const g of catalogue.groups) {
    for (const key of catalogue.attributeKeys) {
      const v = g.attrs[key];
      if (v !== undefined && v !== '') out.add(`${key}=${v}`);
    }
  }
  return [...out].sort();
}

function selectNamed(catalogue: Catalogue, selector: string): readonly Range[] {
  const exact = catalogue.named.get(selector);
  if (exact !== undefined) return exact;
  const lower = selector.toLowerCase();
  for (const [name, ranges] of catalogue.named) if (name.toLowerCase() === lower) return ranges;
  const candidates = [...catalogue.named.keys(), ...attributeSelectors(catalogue)];
  const what = selector === '' ? 'whole-file selection (give a selector after ":")' : `selection named ${JSON.stringify(selector)}`;
  const byValue = attributeSelectors(catalogue).filter((kv) => kv.slice(kv.indexOf('=') + 1).toLowerCase() === lower);
  const matches = [...byValue, ...closeMatches(selector, candidates)].slice(0, 5);
  throw unknownSelector(catalogue, selector, what, [...new Set(matches)]);
}

function selectAttributes(catalogue: Catalogue, selector: string): Range[] {
  const wanted: Array<[string, string]> = [];
  for (const part of selector.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || value === '') {
      throw unknownSelector(catalogue, selector, `selector part ${JSON.stringify(part)} (expected key=value)`, attributeSelectors(catalogue).slice(0, 3));
    }
    const realKey = catalogue.attributeKeys.find((k) => k.toLowerCase() === key.toLowerCase());
    if (realKey === undefined) {
      throw unknownSelector(catalogue, selector, `attribute ${JSON.stringify(key)} (it has: ${catalogue.attributeKeys.join(', ') || 'none'})`,
        closeMatches(key, catalogue.attributeKeys).map((k) => `${k}=${value}`));
    }
    const values = new Set(catalogue.groups.map((g) => g.attrs[realKey] ?? ''));
    const lower = value.toLowerCase();
    if (![...values].some((v) => v.toLowerCase() === lower)) {
      throw unknownSelector(catalogue, selector, `${realKey} ${JSON.stringify(value)}`, closeMatches(value, values).map((v) => `${realKey}=${v}`));
    }
    wanted.push([realKey, lower]);
  }
  const out: Range[] = [];
  for (const g of catalogue.groups) {
    if (wanted.every(([k, v]) => (g.attrs[k] ?? '').toLowerCase() === v)) out.push(...g.ranges);
  }
  return out;
}

/**
 * The distinct prefixes a selector picks, sorted. May be empty when each key=value exists but no prefix has
 * them all (the caller decides whether that is acceptable).
 */
export function select(catalogue: Catalogue, selector: string): Range[] {
  if (catalogue.kube !== undefined) return selectKube(catalogue.kube, catalogue.source, selector);
  const picked = selector.includes('=') ? selectAttributes(catalogue, selector) : selectNamed(catalogue, selector);
  const seen = new Map<string, Range>();
  for (const r of picked) seen.set(formatRange(r), r);
  return [...seen.values()].sort(compareRanges);
}

/** Every selector worth listing for a catalogue, with its prefix count. */
export function listSelectors(catalogue: Catalogue): Array<{ selector: string; prefixes: number }> {
  const out: Array<{ selector: string; prefixes: number }> = [];
  for (const name of catalogue.named.keys()) out.push({ selector: name, prefixes: select(catalogue, name).length });
  for (const kv of attributeSelectors(catalogue)) out.push({ selector: kv, prefixes: select(catalogue, kv).length });
  return out;
}
