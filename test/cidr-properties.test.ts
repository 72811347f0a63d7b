import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import fc from 'fast-check';
import {
  compileMatcher, mergeRanges, parseAddress, parseRange, formatAddress, formatRange, type Address, type Family, type Range,
} from '../src/index.js';
import { hostMask, BITS } from '../src/cidr/types.js';
import { parseIpv4Fast } from '../src/cidr/fast-ipv4.js';
import { intervals4, intervals4Reference } from '../src/cidr/matcher.js';

const MAPPED = 0xffffn << 32n;
const isMapped = (family: Family, value: bigint): boolean => family === 6 && value >> 32n === 0xffffn;

/**
 * Ranges and addresses clustered around a few random seeds so that nesting, duplicates, adjacency and hits
 * are common; seeds include the ends of the space and 65,536-address slot boundaries.
 */
function world(family: Family) {
  const bits = BITS[family];
  const max = (1n << BigInt(bits)) - 1n;
  const seed = fc.oneof(
    fc.bigInt({ min: 0n, max }),
    fc.constantFrom(0n, max, 0x10000n, 0xffffn, 0xa0000000n << BigInt(bits - 32)),
  );
  return fc.array(seed, { minLength: 1, maxLength: 3 }).chain((seeds) => {
    const near = fc.tuple(fc.constantFrom(...seeds), fc.integer({ min: 0, max: bits }), fc.bigInt({ min: 0n, max }))
      .map(([s, k, noise]) => (s ^ (noise & ((1n << BigInt(k)) - 1n))) & max);
    const range = fc.tuple(near, fc.integer({ min: 0, max: bits })).map(([v, prefix]): Range => ({
      family, network: v & ~hostMask(family, prefix) & max, prefix,
    }));
    return fc.record({
      ranges: fc.array(range, { maxLength: 12 }),
      addresses: fc.array(near, { minLength: 1, maxLength: 12 }),
    });
  }).map(({ ranges, addresses }) => ({
    // Mapped IPv6 is IPv4 to ipgate; those cases have their own tests.
    ranges: ranges.filter((r) => !isMapped(family, r.network) && !(family === 6 && r.prefix < 96 && (MAPPED >> BigInt(128 - r.prefix)) === (r.network >> BigInt(128 - r.prefix)))),
    addresses: addresses.filter((v) => !isMapped(family, v)).map((value): Address => ({ family, value })),
  }));
}

const contains = (r: Range, a: Address): boolean =>
  r.family === a.family && a.value >> BigInt(BITS[r.family] - r.prefix) === r.network >> BigInt(BITS[r.family] - r.prefix);

for (const family of [4, 6] as const) {
  const netFamily = family === 4 ? 'ipv4' : 'ipv6';

  test(`matcher has() equals node:net BlockList (IPv${family})`, () => {
    fc.assert(fc.property(world(family), ({ ranges, addresses }) => {
      const blockList = new BlockList();
      for (const r of ranges) blockList.addSubnet(formatAddress({ family, value: r.network }), r.prefix, netFamily);
      const m = compileMatcher(ranges.map(formatRange));
      for (const a of addresses) {
        const text = formatAddress(a);
        assert.equal(m.has(text), blockList.check(text, netFamily), text);
        assert.equal(m.has(a), blockList.check(text, netFamily), text);
      }
    }), { numRuns: 300 });
  });

  test(`matcher match() is the most specific containing entry as written (IPv${family})`, () => {
    fc.assert(fc.property(world(family), ({ ranges, addresses }) => {
      const entries = ranges.map(formatRange);
      const m = compileMatcher(entries);
      for (const a of addresses) {
        let best = -1;
        ranges.forEach((r, i) => {
          if (contains(r, a) && (best < 0 || r.prefix > (ranges[best] as Range).prefix)) best = i;
        });
        assert.equal(m.match(a), best < 0 ? undefined : entries[best], formatAddress(a));
      }
    }), { numRuns: 300 });
  });

  test(`mergeRanges keeps exactly the same addresses and is minimal (IPv${family})`, () => {
    fc.assert(fc.property(world(family), ({ ranges, addresses }) => {
      const out = mergeRanges(ranges);
      // Same set: the union of [start, end] intervals of input and output are equal.
      const union = (rs: Range[]): string => {
        const iv = rs.map((r) => [r.network, r.network + (1n << BigInt(BITS[family] - r.prefix))] as [bigint, bigint])
          .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
        const merged: [bigint, bigint][] = [];
        for (const [s, e] of iv) {
          const last = merged[merged.length - 1];
          if (last !== undefined && s <= last[1]) last[1] = e > last[1] ? e : last[1];
          else merged.push([s, e]);
        }
        return merged.map(([s, e]) => `${s}-${e}`).join(',');
      };
      assert.equal(union(out), union(ranges));
      for (const a of addresses) assert.equal(out.some((r) => contains(r, a)), ranges.some((r) => contains(r, a)));
      // Minimal: sorted, no overlap or adjacency between siblings that could be one prefix.
      for (let i = 1; i < out.length; i++) {
        const p = out[i - 1] as Range;
        const q = out[i] as Range;
        const pEnd = p.network + (1n << BigInt(BITS[family] - p.prefix));
        assert.ok(pEnd <= q.network, 'sorted and disjoint');
        const siblings = p.prefix === q.prefix && p.prefix > 0 && pEnd === q.network
          && (p.network >> BigInt(BITS[family] - p.prefix + 1)) === (q.network >> BigInt(BITS[family] - q.prefix + 1));
        assert.ok(!siblings, `${formatRange(p)} and ${formatRange(q)} should have been one prefix`);
      }
      // And idempotent.
      assert.deepEqual(mergeRanges(out), out);
    }), { numRuns: 300 });
  });

  test(`parseRange(formatRange(x)) == x and parseAddress(formatAddress(a)) == a (IPv${family})`, () => {
    const bits = BITS[family];
    const max = (1n << BigInt(bits)) - 1n;
    fc.assert(fc.property(fc.bigInt({ min: 0n, max }), fc.integer({ min: 0, max: bits }), (v, prefix) => {
      const range: Range = { family, network: v & ~hostMask(family, prefix) & max, prefix };
      const back = parseRange(formatRange(range));
      if (family === 6 && prefix >= 96 && isMapped(6, range.network)) {
        assert.deepEqual(back, { family: 4, network: range.network & 0xffffffffn, prefix: prefix - 96 });
      } else {
        assert.deepEqual(back, range);
      }
      const address: Address = { family, value: v };
      const parsed = parseAddress(formatAddress(address));
      assert.deepEqual(parsed, isMapped(family, v) ? { family: 4, value: v & 0xffffffffn } : address);
    }), { numRuns: 1000 });
  });
}

test('mapped addresses match IPv4 ranges like the IPv4 address (node:net BlockList agrees)', () => {
  fc.assert(fc.property(world(4), ({ ranges, addresses }) => {
    const blockList = new BlockList();
    for (const r of ranges) blockList.addSubnet(formatAddress({ family: 4, value: r.network }), r.prefix, 'ipv4');
    const m = compileMatcher(ranges.map(formatRange));
    for (const a of addresses) {
      const text = formatAddress(a);
      assert.equal(m.has(`::ffff:${text}`), blockList.check(text, 'ipv4'));
      assert.equal(m.has({ family: 6, value: MAPPED | a.value }), blockList.check(text, 'ipv4'));
    }
  }), { numRuns: 200 });
});

/** Strings near the dotted-quad grammar: valid quads, mutated quads and loose token soup. */
const nearQuad = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => `::ffff:${o.join('.')}`),
  fc.tuple(fc.array(fc.constantFrom('0', '00', '1', '9', '25', '255', '256', '300', '999', '0255', '', 'x', '-1', ' ', 'a', '1e1'), { minLength: 1, maxLength: 6 }),
    fc.constantFrom('', '::ffff:', '::FFFF:', '::fffe:', ':', '::', 'ffff:'))
    .map(([parts, prefix]) => prefix + parts.join('.')),
  fc.array(fc.constantFrom('0', '1', '2', '5', '9', '.', ':', 'f', 'F', '/', ' ', '%', 'x'), { maxLength: 20 }).map((c) => c.join('')),
);

test('fast IPv4 path agrees with parseAddress: accepts only what it accepts, with the same value', () => {
  fc.assert(fc.property(nearQuad, (text) => {
    const fast = parseIpv4Fast(text);
    let strict: Address | undefined;
    try {
      strict = parseAddress(text);
    } catch {
      strict = undefined;
    }
    if (fast >= 0) assert.deepEqual(strict, { family: 4, value: BigInt(fast) }, text);
    // Every canonical dotted quad (plain or ::ffff:) takes the fast path.
    if (strict?.family === 4 && (text === formatAddress(strict) || text.toLowerCase() === `::ffff:${formatAddress(strict)}`)) {
      assert.equal(fast, Number(strict.value), text);
    }
  }), { numRuns: 5000 });
});

test('matcher errors on any string are exactly parseAddress errors', () => {
  const m = compileMatcher(['0.0.0.0/1', '::/1']);
  fc.assert(fc.property(fc.oneof(nearQuad, fc.string({ maxLength: 12 })), (text) => {
    let code: string | undefined;
    let expected: boolean | undefined;
    try {
      const a = parseAddress(text);
      expected = a.family === 4 ? a.value < 1n << 31n : a.value < 1n << 127n;
    } catch (e) {
      code = (e as { code: string }).code;
    }
    if (code === undefined) assert.equal(m.has(text), expected, text);
    else assert.throws(() => m.has(text), { code }, text);
  }), { numRuns: 3000 });
});

test('IPv4 intervals from counting sorts on typed arrays equal the comparison-sorted sweep', () => {
  // Clustered around a few seeds so that nesting, equal ranges (first entry kept) and shared edges are common.
  const ranges = fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 3 }).chain((seeds) =>
    fc.array(fc.tuple(fc.constantFrom(...seeds), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 2 ** 20 })), { maxLength: 40 }));
  fc.assert(fc.property(ranges, fc.integer({ min: 1, max: 5 }), (rows, gap) => {
    const n = rows.length;
    const starts = new Uint32Array(n);
    const prefixes = new Uint8Array(n);
    const labels = new Int32Array(n);
    rows.forEach(([seed, prefix, noise], i) => {
      const x = (seed ^ noise) >>> 0;
      starts[i] = prefix === 0 ? 0 : ((x >>> (32 - prefix)) << (32 - prefix)) >>> 0;
      prefixes[i] = prefix;
      labels[i] = i * gap;
    });
    const fast = intervals4(starts, prefixes, labels);
    assert.deepEqual({ starts: [...fast.starts], labels: [...fast.labels] }, intervals4Reference(starts, prefixes, labels));
  }), { numRuns: 500 });
});
