/**
 * How a new list reaches the kernel sets (pure). A small change leaves the big `allow` sets as they are and
 * rewrites the small `added`/`removed` sets to the difference between `allow` and the new list; once the
 * difference grows past a limit, the `allow` sets are rewritten in full and the difference sets emptied.
 * Either way it is one transaction, and only sets whose content changes are touched.
 */
import { EMPTY_V4 } from '../cidr/intervals-v4.js';
import type { Family } from '../cidr/types.js';
import { intervalCount, sameSet, subtractSet, type FamilySets, type SetIntervals } from './elements.js';
import { SET_ROLES, type SetContents, type SetRole } from './ruleset.js';

/** Largest difference (intervals in `added` + `removed`, both families) kept before a full rewrite. */
export const DELTA_LIMIT = 4096;

export interface SetChange {
  readonly role: SetRole;
  readonly family: Family;
  readonly intervals: SetIntervals;
}

export interface UpdatePlan {
  readonly kind: 'none' | 'delta' | 'full';
  /** What the sets hold once the plan is applied. */
  readonly contents: SetContents;
  readonly changes: readonly SetChange[];
}

const EMPTY: FamilySets = { 4: EMPTY_V4, 6: [] };

export function emptyContents(allow: FamilySets): SetContents {
  return { allow, added: EMPTY, removed: EMPTY };
}

function count(sets: FamilySets): number {
  return intervalCount(sets[4]) + sets[6].length;
}

/** The sets whose content differs between `from` and `to`. */
export function changedSets(from: SetContents, to: SetContents): SetChange[] {
  const out: SetChange[] = [];
  for (const role of SET_ROLES) {
    for (const family of [4, 6] as const) {
      const a = from[role][family];
      const b = to[role][family];
      if (a !== b && !sameSet(a, b)) out.push({ role, family, intervals: b });
    }
  }
  return out;
}

/** The admitted sources of some set contents: (allow minus removed) plus added. */
export function plan(current: SetContents, next: FamilySets, limit = DELTA_LIMIT): UpdatePlan {
  const added: FamilySets = { 4: subtractSet(next[4], current.allow[4]), 6: subtractSet(next[6], current.allow[6]) };
  const removed: FamilySets = { 4: subtractSet(current.allow[4], next[4]), 6: subtractSet(current.allow[6], next[6]) };
  const delta = count(added) + count(removed);
  const contents: SetContents =
    delta <= Math.min(limit, Math.max(64, count(next) / 2)) ? { allow: current.allow, added, removed } : emptyContents(next);
  const changes = changedSets(current, contents);
  return { kind: changes.length === 0 ? 'none' : contents.allow === current.allow ? 'delta' : 'full', contents, changes };
}
