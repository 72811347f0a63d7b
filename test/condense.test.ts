import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { condense, CondenseBudgetError, extraShare, type CondenseObjective, type CondenseResult } from '../src/cidr/condense.js';
import { parseRange } from '../src/cidr/parse.js';
import { formatAddress, formatRange } from '../src/cidr/format.js';
import { BITS, rangeLast, rangeSize, type Family, type Range } from '../src/cidr/types.js';
import { IpgateError } from '../src/errors.js';

// ---- independent references -------------------------------------------------------------------------

interface Interval {
  readonly family: Family;
  readonly start: bigint;
  readonly end: bigint;
}

/** Union of ranges as sorted, disjoint, non-adjacent intervals (plain interval arithmetic). */
function union(ranges: readonly Range[]): Interval[] {
  const sorted = ranges
    .map((r) => ({ family: r.family, start: r.network, end: rangeLast(r) }))
    .sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: { family: Family; start: bigint; end: bigint }[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.family === iv.family && iv.start <= last.end + 1n) {
      if (iv.end > last.end) last.end = iv.end;
    } else out.push({ ...iv });
  }
  return out;
}

function unionSize(ranges: readonly Range[]): bigint {
  return union(ranges).reduce((sum, iv) => sum + iv.end - iv.start + 1n, 0n);
}

function insideUnion(u: readonly Interval[], r: Range): boolean {
  const end = rangeLast(r);
  return u.some((iv) => iv.family === r.family && iv.start <= r.network && end <= iv.end);
}

function overlapsUnion(u: readonly Interval[], r: Range): boolean {
  const end = rangeLast(r);
  return u.some((iv) => iv.family === r.family && iv.start <= end && r.network <= iv.end);
}

function blockListOf(ranges: readonly Range[]): BlockList {
  const list = new BlockList();
  for (const r of ranges) {
    list.addSubnet(formatAddress({ family: r.family, value: r.network }), r.prefix, r.family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function checkAddress(list: BlockList, family: Family, value: bigint): boolean {
  return list.check(formatAddress({ family, value }), family === 4 ? 'ipv4' : 'ipv6');
}

/** Asserts that `result` is a valid cover of `input` avoiding `exclude`, within `max`, with honest counts. */
function assertValidCover(result: CondenseResult, input: readonly Range[], exclude: readonly Range[], max: number): void {
  assert.ok(result.ranges.length <= max, `${result.ranges.length} prefixes > max ${max}`);
  for (const r of result.ranges) {
    const host = (1n << BigInt(BITS[r.family] - r.prefix)) - 1n;
    assert.equal(r.network & host, 0n, `host bits in ${formatRange(r)}`);
  }
  const covered = union(result.ranges);
  for (const r of input) assert.ok(insideUnion(covered, r), `${formatRange(r)} not covered`);
  for (const x of exclude) assert.ok(!overlapsUnion(covered, x), `excluded ${formatRange(x)} covered`);
  // Spot checks against node:net BlockList: first and last address of every input and excluded range.
  const list = blockListOf(result.ranges);
  for (const r of input) {
    assert.ok(checkAddress(list, r.family, r.network) && checkAddress(list, r.family, rangeLast(r)), formatRange(r));
  }
  for (const x of exclude) {
    assert.ok(!checkAddress(list, x.family, x.network) && !checkAddress(list, x.family, rangeLast(x)), formatRange(x));
  }
  const required = unionSize(input);
  assert.equal(result.requiredAddresses, required);
  assert.equal(result.extraAddresses, unionSize(result.ranges) - required);
  const perFamily = result.families.reduce((sum, f) => sum + f.extraAddresses, 0n);
  assert.equal(perFamily, result.extraAddresses);
  assert.equal(result.families.reduce((sum, f) => sum + f.count, 0), result.ranges.length);
}

interface BruteResult {
  readonly extra: bigint;
  readonly count: number;
}

/**
 * Exhaustive optimum for small inputs: repeatedly take the lowest required address not yet covered and try
 * every prefix containing it whose length is within `depth` bits of a host route (and that holds no
 * excluded address). Every cover must contain such a prefix, so this finds the best (value, count) pair
 * over all covers of at most `max` prefixes with those lengths; undefined when none exists. The value is
 * the total of extra addresses, or for `share` the sum over families of extra / required (compared exactly
 * as extra4·required6 + extra6·required4).
 */
function bruteForce(
  input: readonly Range[],
  exclude: readonly Range[],
  max: number,
  depth: number,
  objective: CondenseObjective = 'addresses',
): BruteResult | undefined {
  const addresses: { family: Family; value: bigint }[] = [];
  const seen = new Set<string>();
  for (const r of input) {
    for (let v = r.network; v <= rangeLast(r); v++) {
      const key = `${r.family}:${v}`;
      if (!seen.has(key)) {
        seen.add(key);
        addresses.push({ family: r.family, value: v });
      }
    }
  }
  addresses.sort((a, b) => a.family - b.family || (a.value < b.value ? -1 : 1));
  const required = (family: Family): bigint => BigInt(addresses.filter((a) => a.family === family).length);
  const req4 = required(4);
  const req6 = required(6);
  const weight = (family: Family): bigint => {
    if (objective === 'addresses') return 1n;
    const other = family === 4 ? req6 : req4;
    return other === 0n ? 1n : other;
  };
  let best: (BruteResult & { value: bigint }) | undefined;
  const chosen: Range[] = [];
  const search = (from: number): void => {
    let i = from;
    while (i < addresses.length) {
      const a = addresses[i] as { family: Family; value: bigint };
      if (!chosen.some((c) => c.family === a.family && c.network <= a.value && a.value <= rangeLast(c))) break;
      i++;
    }
    if (i === addresses.length) {
      let value = 0n;
      let extra = 0n;
      for (const family of [4, 6] as const) {
        const e = unionSize(chosen.filter((c) => c.family === family)) - (family === 4 ? req4 : req6);
        extra += e;
        value += e * weight(family);
      }
      // The same order as condense: the objective's value, then the fewest extra addresses, then the fewest prefixes.
      if (
        best === undefined || value < best.value
        || (value === best.value && (extra < best.extra || (extra === best.extra && chosen.length < best.count)))
      ) {
        best = { value, extra, count: chosen.length };
      }
      return;
    }
    if (chosen.length === max) return;
    const a = addresses[i] as { family: Family; value: bigint };
    const bits = BITS[a.family];
    for (let len = bits; len >= bits - depth; len--) {
      const host = BigInt(bits - len);
      const p: Range = { family: a.family, network: (a.value >> host) << host, prefix: len };
      if (exclude.some((x) => x.family === p.family && x.network <= rangeLast(p) && p.network <= rangeLast(x))) break;
      chosen.push(p);
      search(i + 1);
      chosen.pop();
    }
  };
  search(0);
  return best === undefined ? undefined : { extra: best.extra, count: best.count };
}

// ---- generators ----------------------------------------------------------------------------------------

/** Prefixes inside one /(bits-span) block of the family: lengths bits-span .. bits. */
function smallRanges(family: Family, span: number, maxLength: number): fc.Arbitrary<Range[]> {
  const bits = BITS[family];
  const baseArb = family === 4
    ? fc.bigInt({ min: 0n, max: (1n << 32n) - 1n })
    : fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  return fc.tuple(
    baseArb,
    fc.array(fc.tuple(fc.integer({ min: bits - span, max: bits }), fc.bigInt({ min: 0n, max: (1n << BigInt(span)) - 1n })), {
      minLength: 0,
      maxLength,
    }),
  ).map(([base, parts]) => {
    const block = (base >> BigInt(span)) << BigInt(span);
    return parts.map(([prefix, offset]): Range => {
      const host = BigInt(bits - prefix);
      return { family, network: ((block + offset) >> host) << host, prefix };
    });
  });
}

/** Required and excluded lists inside the same small block, excluded entries overlapping required ones dropped. */
function smallCase(family: Family, span: number): fc.Arbitrary<{ input: Range[]; exclude: Range[] }> {
  const bits = BITS[family];
  return fc.tuple(
    fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }),
    fc.array(fc.tuple(fc.integer({ min: bits - span, max: bits }), fc.bigInt({ min: 0n, max: (1n << BigInt(span)) - 1n })), {
      minLength: 1,
      maxLength: 8,
    }),
    fc.array(fc.tuple(fc.integer({ min: bits - span + 2, max: bits }), fc.bigInt({ min: 0n, max: (1n << BigInt(span)) - 1n })), {
      maxLength: 3,
    }),
  ).map(([base, req, exc]) => {
    const block = (base >> BigInt(span)) << BigInt(span);
    const toRange = ([prefix, offset]: [number, bigint]): Range => {
      const host = BigInt(bits - prefix);
      return { family, network: ((block + offset) >> host) << host, prefix };
    };
    const input = req.map(toRange);
    const exclude = exc.map(toRange).filter((x) => !input.some((r) => r.network <= rangeLast(x) && x.network <= rangeLast(r)));
    return { input, exclude };
  });
}

function budgetMinimum(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof CondenseBudgetError, String(error));
    assert.equal(error.code, 'ERR_CONDENSE_BUDGET');
    return error.minimum;
  }
}

function readFixture(name: string): Range[] {
  const text = readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => parseRange(line));
}

const r = (text: string): Range => parseRange(text);
const texts = (result: CondenseResult): string[] => result.ranges.map(formatRange);

// ---- properties ----------------------------------------------------------------------------------------

describe('condense properties', () => {
  it('IPv4, small blocks: optimal (brute force), fewest prefixes at that cost, valid cover', () => {
    fc.assert(
      fc.property(smallCase(4, 5), fc.integer({ min: 1, max: 5 }), ({ input, exclude }, max) => {
        const brute = bruteForce(input, exclude, max, 7);
        if (brute === undefined) {
          const minimum = budgetMinimum(() => condense(input, { max, exclude }));
          assert.ok(minimum !== undefined && minimum > max, 'expected ERR_CONDENSE_BUDGET');
          // The named minimum really works, and (when small enough to check) one fewer really does not.
          assertValidCover(condense(input, { max: minimum, exclude }), input, exclude, minimum);
          if (minimum - 1 <= 5) assert.equal(bruteForce(input, exclude, minimum - 1, 7), undefined);
          return;
        }
        const result = condense(input, { max, exclude });
        assertValidCover(result, input, exclude, max);
        assert.equal(result.extraAddresses, brute.extra);
        assert.equal(result.ranges.length, brute.count);
      }),
      { numRuns: 150 },
    );
  });

  it('IPv4 and IPv6 together share the budget optimally (brute force)', () => {
    const mixed = fc.tuple(smallCase(4, 4), smallCase(6, 4)).map(([a, b]) => ({
      input: [...a.input, ...b.input],
      exclude: [...a.exclude, ...b.exclude],
    }));
    const objectives = fc.constantFrom<CondenseObjective>('addresses', 'share');
    fc.assert(
      fc.property(mixed, fc.integer({ min: 2, max: 5 }), objectives, ({ input, exclude }, max, objective) => {
        const brute = bruteForce(input, exclude, max, 6, objective);
        if (brute === undefined) {
          const minimum = budgetMinimum(() => condense(input, { max, exclude, objective }));
          assert.ok(minimum !== undefined && minimum > max);
          return;
        }
        const result = condense(input, { max, exclude, objective });
        assertValidCover(result, input, exclude, max);
        assert.equal(result.extraAddresses, brute.extra);
        assert.equal(result.ranges.length, brute.count);
      }),
      { numRuns: 100 },
    );
  });

  it('any input: a valid cover within max, and more budget never costs more', () => {
    const anyRanges = fc.tuple(smallRanges(4, 24, 60), smallRanges(6, 40, 30)).map(([a, b]) => [...a, ...b]);
    fc.assert(
      fc.property(anyRanges, fc.integer({ min: 2, max: 40 }), (input, max) => {
        const result = condense(input, { max });
        assertValidCover(result, input, [], max);
        // The default objective (share) minimises the sum of each family's extra/required: that never grows.
        const more = condense(input, { max: max + 1 });
        assert.ok(compareShareSums(more, result) <= 0);
        const byAddresses = condense(input, { max, objective: 'addresses' });
        assertValidCover(byAddresses, input, [], max);
        assert.ok(condense(input, { max: max + 1, objective: 'addresses' }).extraAddresses <= byAddresses.extraAddresses);
      }),
      { numRuns: 60 },
    );
  });
});

/** Compares the sums over families of extra/required of two results exactly (cross-multiplied). */
function compareShareSums(a: CondenseResult, b: CondenseResult): number {
  const sum = (r: CondenseResult): [bigint, bigint] => r.families.reduce<[bigint, bigint]>(
    ([num, den], f) => (f.requiredAddresses === 0n ? [num, den] : [num * f.requiredAddresses + f.extraAddresses * den, den * f.requiredAddresses]),
    [0n, 1n],
  );
  const [an, ad] = sum(a);
  const [bn, bd] = sum(b);
  const left = an * bd;
  const right = bn * ad;
  return left < right ? -1 : left > right ? 1 : 0;
}

// ---- examples --------------------------------------------------------------------------------------------

describe('condense examples', () => {
  const aws = readFixture('aws-us-east-1.txt');
  const actions = readFixture('github-actions.txt');

  for (const [name, list] of [['AWS us-east-1', aws], ['GitHub actions', actions]] as const) {
    it(`${name} (${list.length} prefixes) to 200, 50 and 40`, () => {
      let previous: CondenseResult | undefined;
      for (const max of [200, 50, 40]) {
        const result = condense(list, { max });
        assertValidCover(result, list, [], max);
        assert.equal(result.ranges.length, max);
        assert.ok(previous === undefined || compareShareSums(result, previous) >= 0, 'a smaller budget cannot cost less');
        assert.ok(result.families.every((f) => f.count > 0 && !(f.family === 4 && f.count === 1 && result.ranges.some((r) => r.prefix === 0))), 'no family is widened to /0');
        previous = result;
      }
    });
  }

  it('AWS us-east-1 IPv4 only: no worse than its own /8 blocks', () => {
    const v4 = aws.filter((x) => x.family === 4);
    const result = condense(v4, { max: 200 });
    assertValidCover(result, v4, [], 200);
    assert.ok(result.families.length === 1 && result.families[0]?.family === 4);
    // Covering the input with its own /8s is a valid cover too; the optimum must not be worse.
    const slash8 = [...new Set(v4.map((x) => x.network >> 24n))].map((hi): Range => ({ family: 4, network: hi << 24n, prefix: 8 }));
    assert.ok(slash8.length <= 200);
    assert.ok(result.extraAddresses <= unionSize(slash8) - result.requiredAddresses);
  });

  it('hand-computed IPv4 costs, with and without exclusions', () => {
    const input = ['10.0.0.0/24', '10.0.1.0/25', '10.0.3.0/24'].map(r);
    assert.deepEqual(texts(condense(input, { max: 1 })), ['10.0.0.0/22']);
    assert.equal(condense(input, { max: 1 }).extraAddresses, 384n);
    const two = condense(input, { max: 2 });
    assert.deepEqual(texts(two), ['10.0.0.0/23', '10.0.3.0/24']);
    assert.equal(two.extraAddresses, 128n);
    assert.equal(extraShare(two), 128 / 640);
    const exclude = [r('10.0.1.200/32')];
    assert.equal(budgetMinimum(() => condense(input, { max: 2, exclude })), 3);
    const three = condense(input, { max: 3, exclude });
    assert.deepEqual(texts(three), ['10.0.0.0/24', '10.0.1.0/25', '10.0.3.0/24']);
    assert.equal(three.extraAddresses, 0n);
    // Excluding an address in the gap between the groups pushes the cover around it.
    assert.equal(budgetMinimum(() => condense(input, { max: 1, exclude: [r('10.0.2.7/32')] })), 2);
    const gap = condense(input, { max: 2, exclude: [r('10.0.2.7/32')] });
    assert.deepEqual(texts(gap), ['10.0.0.0/23', '10.0.3.0/24']);
  });

  it('the budget error names the smallest max that works', () => {
    const input = ['192.0.2.0/26', '192.0.2.128/26', '198.51.100.0/24'].map(r);
    const exclude = [r('192.0.2.64/32')];
    try {
      condense(input, { max: 2, exclude });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof CondenseBudgetError);
      assert.equal(error.code, 'ERR_CONDENSE_BUDGET');
      assert.equal(error.minimum, 3);
      assert.match(error.message, /smallest max that works is 3/);
      assert.match(error.suggestion ?? '', /3/);
      assert.deepEqual(Object.keys(error.toJSON()).sort(), ['code', 'input', 'message', 'suggestion']);
    }
    assert.equal(condense(input, { max: 3, exclude }).ranges.length, 3);
  });

  it('rejects a max that is not a whole number of at least 1', () => {
    for (const max of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => condense([r('10.0.0.0/8')], { max }), (error: unknown) => {
        return error instanceof IpgateError && error.code === 'ERR_CONDENSE_MAX' && error.message.includes(String(max));
      });
    }
  });

  it('rejects required addresses that are also excluded, naming the overlap', () => {
    assert.throws(
      () => condense([r('10.0.0.0/24'), r('10.9.0.0/16')], { max: 1, exclude: [r('10.9.4.0/22')] }),
      (error: unknown) => error instanceof IpgateError && error.code === 'ERR_CONDENSE_CONFLICT' && error.message.includes('10.9.4.0/22'),
    );
    assert.throws(
      () => condense([r('2001:db8::1')], { max: 5, exclude: [r('2001:db8::/64')] }),
      (error: unknown) => error instanceof IpgateError && error.code === 'ERR_CONDENSE_CONFLICT' && error.message.includes('2001:db8::1/128'),
    );
  });

  it('inputs within max come back merged with no extra addresses', () => {
    const input = ['10.0.0.0/25', '10.0.0.128/25', '10.0.0.7/32', '2001:db8::/33', '2001:db8:8000::/33'].map(r);
    const result = condense(input, { max: 2 });
    assert.deepEqual(texts(result), ['10.0.0.0/24', '2001:db8::/32']);
    assert.equal(result.extraAddresses, 0n);
    assert.equal(extraShare(result), 0);
    assert.deepEqual(condense([], { max: 3 }).ranges, []);
  });

  it('IPv6 costs are exact bigints', () => {
    const input = [r('2001:db8::/48'), r('2001:db8:3::/48')];
    const one = condense(input, { max: 1 });
    assert.deepEqual(texts(one), ['2001:db8::/46']);
    assert.equal(one.extraAddresses, 2n * rangeSize(r('2001:db8::/48')));
    // Spread over the whole space: the root of the trie is ::/0 and costs exceed 2^53.
    const wide = [r('2001:db8::1'), r('fd00::1'), r('2400::/12')];
    const cover = condense(wide, { max: 2 });
    assertValidCover(cover, wide, [], 2);
    assert.deepEqual(texts(cover), ['2000::/5', 'fd00::1/128']);
  });

  it('mixed families: the budget goes where it saves the most', () => {
    const input = ['10.0.0.0/24', '10.0.1.0/25', '10.0.3.0/24', '2001:db8::/48', '2001:db8:3::/48'].map(r);
    assert.equal(budgetMinimum(() => condense(input, { max: 1 })), 2);
    const two = condense(input, { max: 2 });
    assert.deepEqual(texts(two), ['10.0.0.0/22', '2001:db8::/46']);
    const three = condense(input, { max: 3, objective: 'addresses' });
    assert.deepEqual(texts(three), ['10.0.0.0/22', '2001:db8::/48', '2001:db8:3::/48']);
    assert.equal(three.extraAddresses, 384n);
    assert.deepEqual(three.families.map((f) => [f.family, f.count, f.extraAddresses]), [[4, 1, 384n], [6, 2, 0n]]);
  });

  it('mixed families with objective share: relative cost per family decides', () => {
    // IPv4: one /21 costs 1536 extra (3x the 512 required), two /24s cost 0.
    // IPv6: one /46 costs 2^81 extra (1x the 2^81 required), two /48s cost 0.
    const input = ['10.0.0.0/24', '10.0.7.0/24', '2001:db8::/48', '2001:db8:3::/48'].map(r);
    const byAddresses = condense(input, { max: 3, objective: 'addresses' });
    assert.deepEqual(texts(byAddresses), ['10.0.0.0/21', '2001:db8::/48', '2001:db8:3::/48']);
    assert.equal(byAddresses.extraAddresses, 1536n);
    const byShare = condense(input, { max: 3, objective: 'share' });
    assert.deepEqual(texts(byShare), ['10.0.0.0/24', '10.0.7.0/24', '2001:db8::/46']);
    assert.equal(byShare.extraAddresses, 1n << 81n);
    assert.deepEqual(texts(condense(input, { max: 3 })), texts(byShare), 'share is the default');
  });

  it('mixed families with objective share: at equal share, the fewest extra addresses decide', () => {
    // One IPv4 /28 costs 6 extra of 10 required (0.6); one IPv6 /125 costs 3 extra of 5 required (0.6).
    const input = ['10.0.0.0/29', '10.0.0.8/31', '2001:db8::/128', '2001:db8::4/126'].map(r);
    const result = condense(input, { max: 3, objective: 'share' });
    assert.deepEqual(texts(result), ['10.0.0.0/29', '10.0.0.8/31', '2001:db8::/125']);
    assert.equal(result.extraAddresses, 3n);
  });

  it('a 10,000-prefix list condenses to a valid cover of 200', () => {
    const input: Range[] = [];
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let i = 0; i < 9000; i++) {
      const prefix = 20 + (next() % 13);
      const host = BigInt(32 - prefix);
      input.push({ family: 4, network: (BigInt(next()) >> host) << host, prefix });
    }
    for (let i = 0; i < 1000; i++) {
      const prefix = 32 + (next() % 33);
      const value = (BigInt(0x2001_0db8) << 96n) | (BigInt(next()) << 64n) | (BigInt(next()) << 32n);
      const host = BigInt(128 - prefix);
      input.push({ family: 6, network: (value >> host) << host, prefix });
    }
    const result = condense(input, { max: 200 });
    assertValidCover(result, input, [], 200);
    assert.equal(result.ranges.length, 200);
  });
});
