/**
 * The kernel sets of successive profile generations, computed incrementally (pure, but keeps the previous
 * generation). A PATCH of one entry to a list of 100,000 leaves 99,999 entries as they were: instead of
 * sorting and merging them all again, the entries that changed are found by comparing the two lists'
 * common beginning and end (the same text is the same range), their IPv4 keys are taken out of and put
 * into the previous generation's sorted keys, and only the stretch of the union around them is computed
 * again (the rest is copied as a block).
 * The IPv6 sets are reused as they are when no IPv6 entry changed. Anything else (another mode, a large
 * change, a hand-made compiled profile without parsed entries) is computed from scratch.
 */
import { intervalsOf, subtractIntervals, type Interval } from '../cidr/intervals.js';
import { updateKeys, v4KeyOfRange, v4Keys, v4Union, v4UnionUpdate } from '../cidr/intervals-v4.js';
import type { Range } from '../cidr/types.js';
import { allowedRanges } from '../policy/allowed.js';
import type { CompiledEntry, CompiledProfile } from '../policy/decide.js';
import { isEgressOnlySentinel } from '../policy/validate.js';
import type { FamilySets } from './elements.js';

/** ::ffff:0:0/96 as an interval: never in the IPv6 sets (IPv4 clients are judged by the IPv4 sets). */
export const MAPPED_INTERVAL: Interval = { first: 0xffffn << 32n, last: (0xffffn << 32n) | 0xffffffffn };

const EVERYONE: readonly Range[] = [
  { family: 4, network: 0n, prefix: 0 },
  { family: 6, network: 0n, prefix: 0 },
];

/** Which entries admit: authorized and egress, egress only (`0.0.0.0/32`), or everyone (disabled). */
type Mode = 'lists' | 'egress-only' | 'disabled';

interface Generation {
  readonly mode: Mode;
  readonly authorized: readonly CompiledEntry[];
  readonly egress: readonly CompiledEntry[];
  /** Sorted keys of every admitting IPv4 range (a multiset: duplicates stay). */
  readonly keys: Float64Array;
  readonly sets: FamilySets;
}

/** The admitted IPv6 intervals of some ranges, without the IPv4-mapped block. */
function v6Intervals(ranges: readonly Range[]): Interval[] {
  return subtractIntervals(intervalsOf(ranges, 6), [MAPPED_INTERVAL]);
}

/** The sets of some admitting ranges (any order, duplicates and overlaps allowed), from scratch. */
export function setsOfRanges(ranges: readonly Range[]): { keys: Float64Array; sets: FamilySets } {
  const keys = v4Keys(ranges);
  return { keys, sets: { 4: v4Union(keys), 6: v6Intervals(ranges) } };
}

/** The same from lists of entries, without gathering their ranges into one array first. */
function setsOfEntries(lists: readonly (readonly CompiledEntry[])[]): { keys: Float64Array; sets: FamilySets } {
  let n = 0;
  const v6: Range[] = [];
  for (const list of lists) {
    for (const e of list) {
      if (e.range.family === 4) n++;
      else v6.push(e.range);
    }
  }
  const keys = new Float64Array(n);
  let i = 0;
  for (const list of lists) for (const e of list) if (e.range.family === 4) keys[i++] = v4KeyOfRange(e.range);
  keys.sort();
  return { keys, sets: { 4: v4Union(keys), 6: v6Intervals(v6) } };
}

function modeOf(authorized: readonly CompiledEntry[]): Mode {
  if (authorized.length === 0) return 'disabled';
  const only = authorized.length === 1 ? authorized[0] : undefined;
  return only !== undefined && isEgressOnlySentinel(only.range) ? 'egress-only' : 'lists';
}

/** The lists whose entries admit, in a mode (a disabled profile admits everyone: no list). */
function admittingLists(mode: Mode, authorized: readonly CompiledEntry[], egress: readonly CompiledEntry[]): (readonly CompiledEntry[])[] {
  return mode === 'lists' ? [authorized, egress] : mode === 'egress-only' ? [egress] : [];
}

function fromScratch(mode: Mode, authorized: readonly CompiledEntry[], egress: readonly CompiledEntry[]): { keys: Float64Array; sets: FamilySets } {
  return mode === 'disabled' ? setsOfRanges(EVERYONE) : setsOfEntries(admittingLists(mode, authorized, egress));
}

/** The same entry text denotes the same range (text kept from one generation to the next is one string). */
function same(x: CompiledEntry, y: CompiledEntry): boolean {
  return x === y || x.entry === y.entry;
}

/**
 * Where `before` and `after` differ: the entries outside their common beginning and end, as
 * before[head, beforeEnd) taken out and after[head, afterEnd) put in (as multisets, which is all a union
 * needs).
 */
export function changedEntries(before: readonly CompiledEntry[], after: readonly CompiledEntry[]): { head: number; beforeEnd: number; afterEnd: number } {
  const n = Math.min(before.length, after.length);
  let head = 0;
  while (head < n && same(before[head] as CompiledEntry, after[head] as CompiledEntry)) head++;
  let tail = 0;
  while (tail < n - head && same(before[before.length - 1 - tail] as CompiledEntry, after[after.length - 1 - tail] as CompiledEntry)) tail++;
  return { head, beforeEnd: before.length - tail, afterEnd: after.length - tail };
}

/** A change larger than this share of the list is computed from scratch (a sort is cheaper then). */
const INCREMENTAL_SHARE = 1 / 8;

export class AllowedSets {
  private last: Generation | undefined;
  private lastReused = false;

  /** Whether the last call built on the generation before it (rather than computing from scratch). */
  get reused(): boolean {
    return this.lastReused;
  }

  /** The sets of a compiled profile, reusing the previous call's work where the lists share entries. */
  of(compiled: CompiledProfile): FamilySets {
    const { authorizedRanges: authorized, egressRanges: egress } = compiled;
    this.lastReused = false;
    if (authorized === undefined || egress === undefined) {
      this.last = undefined;
      return setsOfRanges(allowedRanges(compiled)).sets;
    }
    const mode = modeOf(authorized);
    const reused = this.incremental(mode, authorized, egress);
    this.lastReused = reused !== undefined;
    const next = reused ?? { mode, authorized, egress, ...fromScratch(mode, authorized, egress) };
    this.last = next;
    return next.sets;
  }

  /** Forgets the previous generation (the next call computes from scratch). */
  reset(): void {
    this.last = undefined;
  }

  private incremental(mode: Mode, authorized: readonly CompiledEntry[], egress: readonly CompiledEntry[]): Generation | undefined {
    const last = this.last;
    if (last === undefined || last.mode !== mode || mode === 'disabled') return undefined;
    const removed: Range[] = [];
    const added: Range[] = [];
    const lists: [readonly CompiledEntry[], readonly CompiledEntry[]][] = mode === 'lists' ? [[last.authorized, authorized], [last.egress, egress]] : [[last.egress, egress]];
    const limit = Math.max(64, (last.keys.length + authorized.length + egress.length) * INCREMENTAL_SHARE);
    for (const [before, after] of lists) {
      if (before === after) continue;
      const { head, beforeEnd, afterEnd } = changedEntries(before, after);
      if (removed.length + added.length + (beforeEnd - head) + (afterEnd - head) > limit) return undefined;
      for (let i = head; i < beforeEnd; i++) removed.push((before[i] as CompiledEntry).range);
      for (let i = head; i < afterEnd; i++) added.push((after[i] as CompiledEntry).range);
    }
    const v4 = (ranges: readonly Range[]): number[] => ranges.filter((r) => r.family === 4).map(v4KeyOfRange);
    const removed4 = v4(removed);
    const added4 = v4(added);
    const keys = removed4.length + added4.length === 0 ? last.keys : updateKeys(last.keys, removed4, added4);
    if (keys === undefined) return undefined;
    const v6Changed = removed.length + added.length > removed4.length + added4.length;
    const sets: FamilySets = {
      4: keys === last.keys ? last.sets[4] : v4UnionUpdate(last.sets[4], keys, [...removed4, ...added4]),
      6: v6Changed ? setsOfEntries(admittingLists(mode, authorized, egress).map((l) => l.filter((e) => e.range.family === 6))).sets[6] : last.sets[6],
    };
    return { mode, authorized, egress, keys, sets };
  }
}
