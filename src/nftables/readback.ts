/**
 * Reading the table back (pure): nft's JSON listing turned into what ipgate compares with what it wrote,
 * the elements of each set as intervals, the counters, and the table's shape (chains, rules, sets and
 * counters without handles or counts) as one string, so a rule changed by hand shows as a different shape.
 */
import { normalizeIntervals } from '../cidr/intervals.js';
import { v4Normalize } from '../cidr/intervals-v4.js';
import type { Family } from '../cidr/types.js';
import { intervalOfElement, v4PairOfElement, type SetIntervals } from './elements.js';
import { TABLE } from './ruleset.js';

export interface ListedSet {
  readonly family: Family | undefined;
  /** IPv4 sets as numbers, IPv6 sets as bigint intervals. */
  readonly intervals: SetIntervals;
}

export interface TableListing {
  readonly sets: ReadonlyMap<string, ListedSet>;
  /** Packets counted by each named counter. */
  readonly counters: ReadonlyMap<string, number>;
  /** Chains, rules (in order), set definitions and counter names, without handles, elements or counts. */
  readonly shape: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The objects of a listing (`{"nftables":[{...}, ...]}`) that belong to ipgate's table. */
function objects(json: string): Record<string, unknown>[] {
  const doc = record(JSON.parse(json) as unknown);
  const list = doc?.['nftables'];
  if (!Array.isArray(list)) throw new Error('not an nft JSON listing');
  return list.map(record).filter((o): o is Record<string, unknown> => o !== undefined);
}

function setFamily(type: unknown): Family | undefined {
  return type === 'ipv4_addr' ? 4 : type === 'ipv6_addr' ? 6 : undefined;
}

function v4Elements(elements: readonly unknown[]): SetIntervals {
  const pairs: number[] = [];
  for (const e of elements) v4PairOfElement(e, pairs);
  return v4Normalize(pairs);
}

/** Parses a listing of the table, or of some of its sets, chains or counters. */
export function parseListing(json: string): TableListing {
  const sets = new Map<string, ListedSet>();
  const counters = new Map<string, number>();
  const shape: string[] = [];
  for (const o of objects(json)) {
    const set = record(o['set']);
    if (set !== undefined && set['table'] === TABLE) {
      const family = setFamily(set['type']);
      const elements = Array.isArray(set['elem']) ? (set['elem'] as unknown[]) : [];
      const intervals = family === undefined ? [] : family === 4 ? v4Elements(elements) : normalizeIntervals(elements.map((e) => intervalOfElement(family, e)));
      sets.set(String(set['name']), { family, intervals });
      shape.push(JSON.stringify(['set', set['name'], set['type'], set['flags'] ?? null, set['policy'] ?? null, set['timeout'] ?? null]));
      continue;
    }
    const counter = record(o['counter']);
    if (counter !== undefined && counter['table'] === TABLE) {
      counters.set(String(counter['name']), typeof counter['packets'] === 'number' ? counter['packets'] : 0);
      shape.push(JSON.stringify(['counter', counter['name']]));
      continue;
    }
    const chain = record(o['chain']);
    if (chain !== undefined && chain['table'] === TABLE) {
      shape.push(JSON.stringify(['chain', chain['name'], chain['type'] ?? null, chain['hook'] ?? null, chain['prio'] ?? null, chain['policy'] ?? null]));
      continue;
    }
    const rule = record(o['rule']);
    if (rule !== undefined && rule['table'] === TABLE) {
      shape.push(JSON.stringify(['rule', rule['chain'], rule['expr'] ?? null, rule['comment'] ?? null]));
      continue;
    }
    const other = Object.keys(o)[0];
    if (other !== undefined && other !== 'metainfo' && other !== 'table' && record(o[other])?.['table'] === TABLE) shape.push(JSON.stringify([other, o[other]]));
  }
  return { sets, counters, shape: shape.join('\n') };
}

/** Whether a listing holds the table at all (nft lists nothing but metainfo for an absent one). */
export function hasTable(json: string): boolean {
  return objects(json).some((o) => record(o['table'])?.['name'] === TABLE);
}
