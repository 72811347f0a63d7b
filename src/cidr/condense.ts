/**
 * Optimal condensing of a range list: at most `max` prefixes that cover every required address and no
 * excluded address, with the fewest extra addresses.
 *
 * Method: the required list is merged losslessly, then each family's prefixes form a path-compressed
 * binary trie whose inner nodes are the branching points. cost(node, j) is the fewest extra addresses
 * needed to cover the required addresses under `node` with at most j prefixes: either the node's own
 * prefix (allowed only when it holds no excluded address) or the best split of j between its two children
 * (a (min,+) convolution bounded by `max`). Bounding each table by min(max, leaves below) keeps the whole
 * programme at O(n·max). The two families' root tables are then combined for the shared budget, by total
 * extra addresses or (objective `share`) by the sum of each family's extra share.
 */
import { IpgateError } from '../errors.js';
import { formatRange } from './format.js';
import { mergeRanges } from './merge.js';
import { rangeLast, rangeSize, type Family, type Range } from './types.js';
import { buildFamilyPlan, type FamilyPlan } from './condense-trie.js';

export interface CondenseOptions {
  /** Largest number of prefixes in the result (per the whole list, both families together). */
  readonly max: number;
  /** Addresses that must not be covered. */
  readonly exclude?: Iterable<Range>;
  /**
   * How the shared budget is split between IPv4 and IPv6 (within one family both agree).
   * `share` (default): the smallest sum over the families of extra addresses / required addresses of that
   * family, so each family is condensed in proportion to its own size; at an equal sum, the fewest extra
   * addresses in total, then the fewest prefixes.
   * `addresses`: the fewest extra addresses in total. An IPv6 address space dwarfs the IPv4 one, so this
   * spends nearly all the budget on IPv6 and may widen IPv4 as far as 0.0.0.0/0: unsafe for an allow-list
   * with both families, which is why it is not the default.
   */
  readonly objective?: CondenseObjective;
}

export type CondenseObjective = 'addresses' | 'share';

export interface CondenseResult {
  readonly ranges: Range[];
  /** Addresses covered beyond the input. */
  readonly extraAddresses: bigint;
  /** Addresses in the (merged) input. */
  readonly requiredAddresses: bigint;
  /** The same per family present in the input (IPv4 first), with the number of prefixes each got. */
  readonly families: readonly FamilyCost[];
}

export interface FamilyCost {
  readonly family: Family;
  readonly count: number;
  readonly extraAddresses: bigint;
  readonly requiredAddresses: bigint;
}

/** Thrown (code ERR_CONDENSE_BUDGET) when no cover fits in `max`; `minimum` is the smallest max that works. */
export class CondenseBudgetError extends IpgateError {
  readonly minimum: number;

  constructor(max: number, minimum: number, why: string) {
    super('ERR_CONDENSE_BUDGET', `max ${max} is too small: ${why} needs at least ${minimum} prefixes; the smallest max that works is ${minimum}`, {
      input: String(max),
      suggestion: `use max ${minimum} or more`,
    });
    this.minimum = minimum;
  }
}

/** Extra addresses as a share of the required ones (0 when nothing is required). */
export function extraShare(result: Pick<CondenseResult, 'extraAddresses' | 'requiredAddresses'>): number {
  if (result.requiredAddresses === 0n) return 0;
  // Scale in bigint first so that huge IPv6 counts keep their precision.
  const scale = 1_000_000_000_000n;
  return Number((result.extraAddresses * scale) / result.requiredAddresses) / Number(scale);
}

function checkMax(max: number): void {
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw new IpgateError('ERR_CONDENSE_MAX', `max must be a whole number of at least 1, got ${String(max)}`, {
      input: String(max),
      suggestion: 'use a max of 1 or more, e.g. 200 (the AKS limit)',
    });
  }
}

function byFamily(ranges: readonly Range[], family: Family): Range[] {
  return ranges.filter((r) => r.family === family);
}

/** Throws ERR_CONDENSE_CONFLICT when a required address is also excluded (both lists merged and sorted). */
function checkConflicts(required: readonly Range[], excluded: readonly Range[]): void {
  let e = 0;
  for (const r of required) {
    while (e < excluded.length) {
      const x = excluded[e] as Range;
      if (x.family < r.family || (x.family === r.family && rangeLast(x) < r.network)) e++;
      else break;
    }
    const x = excluded[e];
    if (x === undefined || x.family !== r.family || x.network > rangeLast(r)) continue;
    // Prefixes are nested or disjoint: the overlap is the longer of the two.
    const overlap = x.prefix >= r.prefix ? x : r;
    throw new IpgateError(
      'ERR_CONDENSE_CONFLICT',
      `${formatRange(overlap)} is both required (input ${formatRange(r)}) and excluded (exclude ${formatRange(x)})`,
      { input: formatRange(r), suggestion: `remove ${formatRange(overlap)} from the input or from the exclusions` },
    );
  }
}

function sizeSum(ranges: readonly Range[]): bigint {
  let total = 0n;
  for (const r of ranges) total += rangeSize(r);
  return total;
}

/** At most `max` prefixes covering every input address and no excluded address, with the fewest extra addresses. */
export function condense(ranges: Iterable<Range>, options: CondenseOptions): CondenseResult {
  const { max } = options;
  checkMax(max);
  const required = mergeRanges(ranges);
  const excluded = options.exclude === undefined ? [] : mergeRanges(options.exclude);
  checkConflicts(required, excluded);
  const requiredAddresses = sizeSum(required);
  if (required.length <= max) {
    const families = ([4, 6] as const).flatMap((family): FamilyCost[] => {
      const req = byFamily(required, family);
      return req.length === 0 ? [] : [{ family, count: req.length, extraAddresses: 0n, requiredAddresses: sizeSum(req) }];
    });
    return { ranges: required, extraAddresses: 0n, requiredAddresses, families };
  }

  const plans: FamilyPlan[] = [];
  for (const family of [4, 6] as const) {
    const req = byFamily(required, family);
    if (req.length > 0) plans.push(buildFamilyPlan(family, req, byFamily(excluded, family), max));
  }
  const minimum = plans.reduce((sum, p) => sum + p.minCount, 0);
  const why = `covering the ${required.length} merged input prefixes`
    + (excluded.length > 0 ? ' without any excluded address' : '')
    + (plans.length > 1 ? ' (IPv4 and IPv6 never share a prefix)' : '');
  if (minimum > max) throw new CondenseBudgetError(max, minimum, why);

  const counts = chooseCounts(plans, max, options.objective ?? 'share');
  const families = plans.map((plan, i): FamilyCost => {
    const count = counts[i] as number;
    return { family: plan.family, count, extraAddresses: plan.costAt(count), requiredAddresses: plan.requiredAddresses };
  });
  return {
    ranges: plans.flatMap((plan, i) => plan.reconstruct(counts[i] as number)),
    extraAddresses: families.reduce((sum, f) => sum + f.extraAddresses, 0n),
    requiredAddresses,
    families,
  };
}

/**
 * How many prefixes each family gets: the best split of the shared budget for the objective, then the
 * fewest extra addresses at that value, then the fewest prefixes. The caller has checked that the minimum counts fit in max.
 */
function chooseCounts(plans: readonly FamilyPlan[], max: number, objective: CondenseObjective): number[] {
  const [first, second] = plans;
  if (first === undefined) return [];
  if (second === undefined) return [smallestCountFor(first, first.costAt(max))];
  // value(j1, j2) = c1·w1 + c2·w2: weights 1 for addresses; for share, the other family's required
  // addresses (c1/r1 + c2/r2 scaled by r1·r2, exact in bigint).
  const w1 = objective === 'share' ? second.requiredAddresses : 1n;
  const w2 = objective === 'share' ? first.requiredAddresses : 1n;
  const low = first.minCount;
  const high = max - second.minCount;
  let best = first.costAt(low) * w1 + second.costAt(max - low) * w2;
  for (let j1 = low + 1; j1 <= high; j1++) {
    const value = first.costAt(j1) * w1 + second.costAt(max - j1) * w2;
    if (value < best) best = value;
  }
  // Several splits can reach the best value (with share, a wider IPv4 and a wider IPv6 can cost the same
  // share): the fewest extra addresses in total decide, then the fewest prefixes, so the answer is unique.
  let pick: [number, number] = [low, max - low];
  let pickExtra: bigint | undefined;
  let pickTotal = Infinity;
  for (let j1 = low; j1 <= high; j1++) {
    const rest = best - first.costAt(j1) * w1;
    if (rest < 0n) continue;
    const j2 = smallestCountFor(second, rest / w2);
    if (j2 > max - j1) continue;
    const extra = first.costAt(j1) + second.costAt(j2);
    if (pickExtra === undefined || extra < pickExtra || (extra === pickExtra && j1 + j2 < pickTotal)) {
      pick = [j1, j2];
      pickExtra = extra;
      pickTotal = j1 + j2;
    }
  }
  return pick;
}

/** The smallest j whose cost is at most `target` (costs do not grow with j). */
function smallestCountFor(plan: FamilyPlan, target: bigint): number {
  let lo = plan.minCount;
  let hi = plan.tableSize;
  if (plan.costAt(hi) > target) return Number.MAX_SAFE_INTEGER;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (plan.costAt(mid) <= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
