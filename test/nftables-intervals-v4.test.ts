/**
 * The numeric IPv4 path of the kernel sets against the bigint reference (intervals.ts, allowedRanges): the
 * typed-array union, subtraction and normalization, the multiset update of sorted keys and the partial
 * union update, and the incremental sets of successive profile generations (both families, nested,
 * adjacent and duplicate entries, the IPv4-mapped block, the egress-only sentinel 0.0.0.0/32, a disabled
 * profile) are equal to computing everything from scratch on bigint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatAddress } from '../src/cidr/format.js';
import { intervalsOf, normalizeIntervals, subtractIntervals, type Interval } from '../src/cidr/intervals.js';
import {
  updateKeys, v4FromIntervals, v4Keys, v4KeyOfRange, v4Normalize, v4Same, v4Subtract, v4ToIntervals, v4Union, v4UnionUpdate,
} from '../src/cidr/intervals-v4.js';
import { parseRange } from '../src/cidr/parse.js';
import { hostMask, type Range } from '../src/cidr/types.js';
import { AllowedSets, MAPPED_INTERVAL } from '../src/nftables/allowed-sets.js';
import { allowedIntervals, elementOf, elementsOf, narrows, v4PairOfElement } from '../src/nftables/elements.js';
import { emptyContents, plan } from '../src/nftables/update-plan.js';
import { allowedRanges } from '../src/policy/allowed.js';
import { compileProfile, type CompiledEntry, type CompiledProfile } from '../src/policy/decide.js';

const V4_MAX = 0xffffffffn;
const V6_MAX = (1n << 128n) - 1n;

/** IPv4 prefixes clustered near a few seeds (ends of the space included), so nesting and adjacency are common. */
const v4Range = fc
  .tuple(fc.constantFrom(0n, 0x0a000000n, 0x0a0000ffn, 0x7f000001n, V4_MAX, 0xc0a80100n), fc.bigInt({ min: 0n, max: 0xfffn }), fc.integer({ min: 0, max: 32 }))
  .map(([seed, noise, prefix]): Range => ({ family: 4, network: (seed ^ noise) & V4_MAX & ~hostMask(4, prefix), prefix }));

/** IPv6 prefixes near the mapped block ::ffff:0:0/96 and its neighbours, and elsewhere. */
const v6Range = fc
  .tuple(
    fc.constantFrom(0n, 0xffffn << 32n, (0xffffn << 32n) - 1n, 1n << 48n, 0x20010db8n << 96n, V6_MAX),
    fc.bigInt({ min: 0n, max: 0xffffn }),
    fc.integer({ min: 0, max: 128 }),
  )
  .map(([seed, noise, prefix]): Range => ({ family: 6, network: (seed ^ noise) & V6_MAX & ~hostMask(6, prefix), prefix }));

/** An entry as written: IPv4, IPv4 without /32, IPv4-mapped IPv6, or IPv6; parsed as the compiler does. */
const entry = fc.oneof(
  v4Range.map((r) => `${formatAddress({ family: 4, value: r.network })}/${r.prefix}`),
  v4Range.filter((r) => r.prefix === 32).map((r) => formatAddress({ family: 4, value: r.network })),
  v4Range.map((r) => `::ffff:${formatAddress({ family: 4, value: r.network })}/${96 + r.prefix}`),
  v6Range.map((r) => `${formatAddress({ family: 6, value: r.network })}/${r.prefix}`),
);

const compiledEntry = (text: string): CompiledEntry => ({ entry: text, range: parseRange(text) });

/**
 * A compiled profile of entries as the data plane sees it. Made by hand so that duplicates and overlaps
 * (which validation would refuse or warn about) are covered too.
 */
function profileOf(authorized: readonly string[], egress: readonly string[]): CompiledProfile {
  return {
    profile: { authorizedIpRanges: [...authorized], egressIpRanges: [...egress] },
    decide: () => {
      throw new Error('not used');
    },
    entries: authorized.length + egress.length,
    authorizedRanges: authorized.map(compiledEntry),
    egressRanges: egress.map(compiledEntry),
  };
}

/** The sets from scratch on bigint, as they were computed before the numeric path. */
function reference(compiled: CompiledProfile): { 4: Interval[]; 6: Interval[] } {
  const ranges = allowedRanges(compiled);
  return { 4: intervalsOf(ranges, 4), 6: subtractIntervals(intervalsOf(ranges, 6), [MAPPED_INTERVAL]) };
}

const v4List = fc.array(v4Range, { maxLength: 14 });

test('a change narrows what is admitted exactly when some source admitted before is not after (both families)', () => {
  fc.assert(
    fc.property(v4List, v4List, fc.array(v6Range, { maxLength: 6 }), fc.array(v6Range, { maxLength: 6 }), (a, b, a6, b6) => {
      const before = { 4: v4Union(v4Keys(a)), 6: intervalsOf(a6, 6) };
      const after = { 4: v4Union(v4Keys(b)), 6: intervalsOf(b6, 6) };
      const lost = subtractIntervals(intervalsOf(a, 4), intervalsOf(b, 4)).length + subtractIntervals(intervalsOf(a6, 6), intervalsOf(b6, 6)).length;
      assert.equal(narrows(before, after), lost > 0);
      assert.equal(narrows(before, before), false);
    }),
    { numRuns: 500 },
  );
});

test('subtracting sets that share their first and last intervals equals the bigint path', () => {
  // Two generations of one list: the same ranges with a few taken out and a few put in, so long stretches
  // at both ends are equal (the case the subtraction skips over).
  fc.assert(
    fc.property(fc.array(v4Range, { minLength: 1, maxLength: 40 }), v4List, fc.nat(), fc.nat(), (common, extra, from, count) => {
      const start = from % common.length;
      const b = [...common.slice(0, start), ...extra, ...common.slice(start + (count % 4))];
      const x = v4Union(v4Keys(common));
      const y = v4Union(v4Keys(b));
      const bx = intervalsOf(common, 4);
      const by = intervalsOf(b, 4);
      assert.deepEqual(v4ToIntervals(v4Subtract(x, y)), subtractIntervals(bx, by));
      assert.deepEqual(v4ToIntervals(v4Subtract(y, x)), subtractIntervals(by, bx));
      assert.deepEqual(v4ToIntervals(v4Subtract(x, x)), []);
    }),
    { numRuns: 1000 },
  );
});

test('numeric IPv4 union, subtraction, normalization and nft elements equal the bigint path', () => {
  fc.assert(
    fc.property(v4List, v4List, (a, b) => {
      const x = v4Union(v4Keys(a));
      const y = v4Union(v4Keys(b));
      const bx = intervalsOf(a, 4);
      const by = intervalsOf(b, 4);
      assert.deepEqual(v4ToIntervals(x), bx);
      assert.deepEqual(v4ToIntervals(v4Subtract(x, y)), subtractIntervals(bx, by));
      assert.deepEqual(v4ToIntervals(v4Subtract(y, x)), subtractIntervals(by, bx));
      assert.ok(v4Same(v4FromIntervals(bx), x));
      // Unsorted, overlapping pairs as a listing may hold them.
      const pairs = [...a, ...b].flatMap((r) => {
        const first = Number(r.network);
        return [first, first + 2 ** (32 - r.prefix) - 1];
      });
      assert.deepEqual(v4ToIntervals(v4Normalize(pairs)), normalizeIntervals([...bx, ...by]));
      // nft's elements: written as the bigint path writes them, read back to the same intervals.
      const subtracted = v4Subtract(x, y);
      const elements = elementsOf(4, subtracted);
      assert.deepEqual(elements, v4ToIntervals(subtracted).map((i) => elementOf(4, i)));
      const back: number[] = [];
      for (const e of elements) v4PairOfElement(e, back);
      assert.deepEqual(Uint32Array.from(back), subtracted);
    }),
    { numRuns: 500 },
  );
});

test('sorted keys updated by removals and additions, and the union updated around them, equal a rebuild', () => {
  fc.assert(
    fc.property(v4List, fc.array(fc.nat(), { maxLength: 4 }), v4List.map((l) => l.slice(0, 4)), (ranges, removeAt, added) => {
      const keys = v4Keys(ranges);
      const left = [...ranges];
      const removed: Range[] = [];
      for (const at of removeAt) {
        if (left.length === 0) break;
        removed.push(...left.splice(at % left.length, 1));
      }
      const next = [...left, ...added];
      const updated = updateKeys(keys, removed.map(v4KeyOfRange), added.map(v4KeyOfRange));
      assert.ok(updated !== undefined);
      assert.deepEqual([...updated], [...v4Keys(next)]);
      const union = v4UnionUpdate(v4Union(keys), updated, [...removed, ...added].map(v4KeyOfRange));
      assert.deepEqual(v4ToIntervals(union), intervalsOf(next, 4));
    }),
    { numRuns: 1000 },
  );
  // Removing a key that is not there is refused (the caller rebuilds).
  assert.equal(updateKeys(v4Keys([{ family: 4, network: 0n, prefix: 8 }]), [v4KeyOfRange({ family: 4, network: 0n, prefix: 9 })], []), undefined);
});

type Edit =
  | { kind: 'add'; list: 'authorized' | 'egress'; at: number; entry: string }
  | { kind: 'remove'; list: 'authorized' | 'egress'; at: number }
  | { kind: 'replace'; authorized: string[] }
  | { kind: 'disable' }
  | { kind: 'egress-only' };

const entries = fc.array(entry, { maxLength: 10 });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), list: fc.constantFrom('authorized' as const, 'egress' as const), at: fc.nat(), entry }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('remove' as const), list: fc.constantFrom('authorized' as const, 'egress' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), authorized: entries }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'disable' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'egress-only' as const }) },
);

function applyEdit(lists: { authorized: string[]; egress: string[] }, e: Edit): { authorized: string[]; egress: string[] } {
  switch (e.kind) {
    case 'add': {
      const list = [...lists[e.list]];
      list.splice(e.at % (list.length + 1), 0, e.entry);
      return { ...lists, [e.list]: list };
    }
    case 'remove': {
      const list = [...lists[e.list]];
      if (list.length > 0) list.splice(e.at % list.length, 1);
      return { ...lists, [e.list]: list };
    }
    case 'replace':
      return { ...lists, authorized: e.authorized };
    case 'disable':
      return { ...lists, authorized: [] };
    case 'egress-only':
      return { ...lists, authorized: ['0.0.0.0/32'] };
  }
}

test('successive generations: the incremental sets equal the bigint reference (and the plan equals its bigint subtraction)', () => {
  let reusedSteps = 0;
  fc.assert(
    fc.property(entries, entries, fc.array(edit, { minLength: 1, maxLength: 6 }), (authorized, egress, edits) => {
      const sets = new AllowedSets();
      let lists = { authorized, egress };
      let previous = sets.of(profileOf(lists.authorized, lists.egress));
      for (const e of edits) {
        lists = applyEdit(lists, e);
        const compiled = profileOf(lists.authorized, lists.egress);
        const got = sets.of(compiled);
        if (sets.reused) reusedSteps++;
        const want = reference(compiled);
        assert.deepEqual(v4ToIntervals(got[4]), want[4], `IPv4 after ${JSON.stringify(e)}: ${JSON.stringify(lists)}`);
        assert.deepEqual(got[6], want[6], `IPv6 after ${JSON.stringify(e)}: ${JSON.stringify(lists)}`);
        const step = plan(emptyContents(previous), got, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(v4ToIntervals(step.contents.added[4]), subtractIntervals(want[4], v4ToIntervals(previous[4])));
        assert.deepEqual(v4ToIntervals(step.contents.removed[4]), subtractIntervals(v4ToIntervals(previous[4]), want[4]));
        previous = got;
      }
    }),
    { numRuns: 600 },
  );
  assert.ok(reusedSteps > 500, `the incremental path was taken ${reusedSteps} times`);
});

test('real compiled profiles: entries added to and removed from a large list, one change at a time, is computed incrementally and equals the reference', () => {
  const base: string[] = [];
  for (let i = 0; i < 3000; i++) base.push(`${10 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.0/24`);
  base.push('2001:db8::/48', '::ffff:192.0.2.0/120');
  const unique = [...new Set(base)];
  const sets = new AllowedSets();
  const steps = [
    unique,
    [...unique, '127.0.0.9/32'],
    [...unique.slice(0, 100), '10.7.13.5', ...unique.slice(100), '127.0.0.9/32'],
    [...unique.slice(1, 100), '10.7.13.5', ...unique.slice(100), '127.0.0.9/32'],
    [...unique.slice(1), '127.0.0.9/32'],
    unique.slice(1),
    [...unique.slice(1), '2001:db8:1::/48'],
  ];
  for (const [i, list] of steps.entries()) {
    const compiled = compileProfile({ authorizedIpRanges: list, egressIpRanges: ['198.51.100.7/32'] });
    const got = sets.of(compiled);
    assert.equal(sets.reused, i > 0, `step ${i}`);
    const want = reference(compiled);
    assert.deepEqual(v4ToIntervals(got[4]), want[4], `step ${i}`);
    assert.deepEqual(got[6], want[6], `step ${i}`);
  }
});

test('modes: disabled, egress only (0.0.0.0/32), the IPv4-mapped block, and a hand-made profile without parsed entries', () => {
  const sets = new AllowedSets();
  const check = (compiled: CompiledProfile): void => {
    const got = sets.of(compiled);
    const want = reference(compiled);
    assert.deepEqual(v4ToIntervals(got[4]), want[4]);
    assert.deepEqual(got[6], want[6]);
  };
  for (const [authorizedIpRanges, egressIpRanges] of [
    [['10.0.0.0/8'], ['192.0.2.1/32']],
    [[], ['192.0.2.1/32']],
    [['0.0.0.0/32'], ['192.0.2.1/32']],
    [['0.0.0.0/32'], []],
    [['::/0'], []],
    [['::ffff:10.0.0.0/104', '10.0.0.0/9'], []],
    [['10.0.0.0/8'], ['192.0.2.1/32']],
  ] as const) {
    check(compileProfile({ authorizedIpRanges: [...authorizedIpRanges], egressIpRanges: [...egressIpRanges] }));
  }
  // No parsed entries: the profile's text is parsed (from scratch, never reused).
  const bare = compileProfile({ authorizedIpRanges: ['10.0.0.0/8', '2001:db8::/32'], egressIpRanges: [] });
  const handMade: CompiledProfile = { profile: bare.profile, decide: bare.decide, entries: bare.entries };
  check(handMade);
  assert.equal(sets.reused, false);
  assert.deepEqual(v4ToIntervals(allowedIntervals(handMade)[4]), [{ first: 0x0a000000n, last: 0x0affffffn }]);
});

test('IPv4 elements as nft lists them: wrapped, ranges, the whole space; other shapes refused', () => {
  const pairs = (elements: unknown[]): number[] => {
    const out: number[] = [];
    for (const e of elements) v4PairOfElement(e, out);
    return out;
  };
  assert.deepEqual(pairs([{ elem: { val: '10.0.0.1', comment: 'x' } }, { elem: { val: { prefix: { addr: '10.1.0.0', len: 16 } }, timeout: 5 } }]), [0x0a000001, 0x0a000001, 0x0a010000, 0x0a01ffff]);
  assert.deepEqual(pairs([{ range: ['10.0.0.1', '10.0.0.5'] }, { prefix: { addr: '0.0.0.0', len: 0 } }, '::ffff:1.2.3.4']), [0x0a000001, 0x0a000005, 0, 0xffffffff, 0x01020304, 0x01020304]);
  assert.deepEqual(elementsOf(4, Uint32Array.of(0, 0xffffffff)), [{ prefix: { addr: '0.0.0.0', len: 0 } }]);
  assert.deepEqual(elementsOf(4, Uint32Array.of(0x80000000, 0xffffffff, 1, 2)), [{ prefix: { addr: '128.0.0.0', len: 1 } }, { range: ['0.0.0.1', '0.0.0.2'] }]);
  for (const bad of [{ concat: [] }, { prefix: { addr: '10.0.0.0', len: 33 } }, { elem: { val: { elem: { val: '10.0.0.1' } } } }, '2001:db8::1', 7]) {
    assert.throws(() => pairs([bad]), /unexpected set element|not an IPv4 address/, JSON.stringify(bad));
  }
});
