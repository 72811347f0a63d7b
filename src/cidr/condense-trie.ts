/**
 * The per-family half of condense: a path-compressed binary trie over merged, sorted, disjoint prefixes of
 * one family, and the bounded (min,+) dynamic programme over it. See condense.ts for the whole method.
 */
import { BITS, type Family, type Range } from './types.js';

/** Stands for "impossible" in bigint cost tables; larger than any sum of real IPv6 costs. */
export const INFINITE_COST = 1n << 400n;

export interface FamilyPlan {
  readonly family: Family;
  /** Fewest prefixes that can cover this family's required addresses without an excluded one. */
  readonly minCount: number;
  /** Largest j with its own table entry: min(max, number of merged prefixes). Costs stay flat beyond it. */
  readonly tableSize: number;
  readonly requiredAddresses: bigint;
  /** Fewest extra addresses with at most j prefixes (INFINITE_COST below minCount, 0 for j = 0 only if empty). */
  costAt(j: number): bigint;
  /** A cover with at most j prefixes and cost costAt(j), sorted by address. */
  reconstruct(j: number): Range[];
}

type Table = Float64Array | bigint[];

function bitLength(x: bigint): number {
  if (x < 0x1_0000_0000n) return 32 - Math.clz32(Number(x));
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0] ?? '0', 16)));
}

/** Excluded ranges of one family as sorted, disjoint [start, end] pairs for overlap queries. */
class ExcludedSet {
  private readonly starts: bigint[];
  private readonly ends: bigint[];

  constructor(excluded: readonly Range[], bits: number) {
    this.starts = excluded.map((r) => r.network);
    this.ends = excluded.map((r) => r.network + (1n << BigInt(bits - r.prefix)) - 1n);
  }

  /** Does [start, end] hold any excluded address? */
  intersects(start: bigint, end: bigint): boolean {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ends[mid] as bigint) < start) lo = mid + 1;
      else hi = mid;
    }
    const s = this.starts[lo];
    return s !== undefined && s <= end;
  }
}

/** (min,+) convolution of two children's tables plus the node's own prefix, in exact doubles. */
function combineNumber(ca: Float64Array, cb: Float64Array, size: number, own: number, choice: Int32Array): Float64Array {
  const res = new Float64Array(size).fill(Infinity);
  const la = ca.length;
  const lb = cb.length;
  for (let ia = 0; ia < la && ia < size - 1; ia++) {
    const va = ca[ia] as number;
    if (va === Infinity) continue;
    const lim = Math.min(lb, size - 1 - ia);
    for (let ib = 0; ib < lim; ib++) {
      const s = va + (cb[ib] as number);
      const k = ia + ib + 1;
      if (s < (res[k] as number)) {
        res[k] = s;
        choice[k] = ia + 1;
      }
    }
  }
  res[0] = own;
  choice[0] = 0;
  for (let k = 1; k < size && own <= (res[k] as number); k++) {
    res[k] = own;
    choice[k] = 0;
  }
  return res;
}

/** The same in bigint, for IPv6 tries whose sizes exceed 2^53. */
function combineBigint(ca: bigint[], cb: bigint[], size: number, own: bigint, choice: Int32Array): bigint[] {
  const res = new Array<bigint>(size).fill(INFINITE_COST);
  const la = ca.length;
  const lb = cb.length;
  for (let ia = 0; ia < la && ia < size - 1; ia++) {
    const va = ca[ia] as bigint;
    if (va >= INFINITE_COST) continue;
    const lim = Math.min(lb, size - 1 - ia);
    for (let ib = 0; ib < lim; ib++) {
      const s = va + (cb[ib] as bigint);
      const k = ia + ib + 1;
      if (s < (res[k] as bigint)) {
        res[k] = s;
        choice[k] = ia + 1;
      }
    }
  }
  res[0] = own;
  choice[0] = 0;
  for (let k = 1; k < size && own <= (res[k] as bigint); k++) {
    res[k] = own;
    choice[k] = 0;
  }
  return res;
}

/**
 * Builds the trie and runs the programme. `required` and `excluded` are merged, sorted, of `family`, and
 * no required address is excluded.
 */
export function buildFamilyPlan(family: Family, required: readonly Range[], excluded: readonly Range[], max: number): FamilyPlan {
  const bits = BITS[family];
  const n = required.length;
  const total = 2 * n - 1;
  const net = new Array<bigint>(total);
  const pfx = new Int32Array(total);
  const left = new Int32Array(total).fill(-1);
  const right = new Int32Array(total).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = required[i] as Range;
    net[i] = r.network;
    pfx[i] = r.prefix;
  }

  // Inner nodes are the branching points of adjacent prefixes (a Cartesian tree on their common-prefix
  // lengths): a stack holds the right spine built so far.
  let next = n;
  const stack: number[] = [0];
  for (let i = 1; i < n; i++) {
    const here = net[i] as bigint;
    const depth = bits - bitLength((net[i - 1] as bigint) ^ here);
    let x = stack.pop() as number;
    while (stack.length > 0 && (pfx[stack[stack.length - 1] as number] as number) > depth) {
      const top = stack.pop() as number;
      right[top] = x;
      x = top;
    }
    const node = next++;
    const hostBits = BigInt(bits - depth);
    net[node] = (here >> hostBits) << hostBits;
    pfx[node] = depth;
    left[node] = x;
    stack.push(node, i);
  }
  let root = stack.pop() as number;
  while (stack.length > 0) {
    const top = stack.pop() as number;
    right[top] = root;
    root = top;
  }

  // Children before parents.
  const order: number[] = [];
  const walk: number[] = [root];
  while (walk.length > 0) {
    const v = walk.pop() as number;
    order.push(v);
    if (v >= n) walk.push(left[v] as number, right[v] as number);
  }

  const exclusions = new ExcludedSet(excluded, bits);
  const exact = bits - (pfx[root] as number) <= 53;
  const leaves = new Int32Array(total);
  const minCount = new Int32Array(total);
  const req = new Array<bigint>(total);
  const tables = new Array<Table | undefined>(total);
  const choices = new Array<Int32Array | undefined>(total);
  const leafTable: Table = exact ? new Float64Array([0]) : [0n];

  for (let o = order.length - 1; o >= 0; o--) {
    const v = order[o] as number;
    const size = 1n << BigInt(bits - (pfx[v] as number));
    if (v < n) {
      leaves[v] = 1;
      minCount[v] = 1;
      req[v] = size;
      tables[v] = leafTable;
      continue;
    }
    const a = left[v] as number;
    const b = right[v] as number;
    leaves[v] = (leaves[a] as number) + (leaves[b] as number);
    const covered = (req[a] as bigint) + (req[b] as bigint);
    req[v] = covered;
    const start = net[v] as bigint;
    const clean = !exclusions.intersects(start, start + size - 1n);
    minCount[v] = clean ? 1 : (minCount[a] as number) + (minCount[b] as number);
    const tableSize = Math.min(max, leaves[v] as number);
    const choice = new Int32Array(tableSize);
    const ta = tables[a] as Table;
    const tb = tables[b] as Table;
    tables[v] = exact
      ? combineNumber(ta as Float64Array, tb as Float64Array, tableSize, clean ? Number(size - covered) : Infinity, choice)
      : combineBigint(ta as bigint[], tb as bigint[], tableSize, clean ? size - covered : INFINITE_COST, choice);
    choices[v] = choice;
    tables[a] = undefined;
    tables[b] = undefined;
  }

  const rootTable = tables[root] as Table;
  const tableSize = rootTable.length;
  const rootMin = minCount[root] as number;

  const costAt = (j: number): bigint => {
    if (j < rootMin || j < 1) return INFINITE_COST;
    const value = rootTable[Math.min(j, tableSize) - 1] as number | bigint;
    if (typeof value === 'bigint') return value;
    return value === Infinity ? INFINITE_COST : BigInt(value);
  };

  const reconstruct = (j: number): Range[] => {
    const out: Range[] = [];
    const todo: number[] = [root, Math.min(j, tableSize)];
    while (todo.length > 0) {
      const count = todo.pop() as number;
      const v = todo.pop() as number;
      const split = v < n ? 0 : ((choices[v] as Int32Array)[count - 1] as number);
      if (split === 0) {
        out.push({ family, network: net[v] as bigint, prefix: pfx[v] as number });
        continue;
      }
      // Right first so that the left subtree comes out first (sorted order).
      todo.push(right[v] as number, count - split, left[v] as number, split);
    }
    return out;
  };

  return {
    family,
    minCount: rootMin,
    tableSize,
    requiredAddresses: req[root] as bigint,
    costAt,
    reconstruct,
  };
}
