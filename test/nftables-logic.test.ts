/**
 * The pure parts of the nftables data plane: interval arithmetic against a brute-force model, the set
 * contents of profiles (IPv4-mapped block kept out of the IPv6 set), the delta/full update plan (what the
 * sets admit is always the new list), element round trips through nft's JSON shapes, drift wording, and
 * the parsing of ss and conntrack listings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeIntervals, subtractIntervals, type Interval } from '../src/cidr/intervals.js';
import { v4FromIntervals, v4ToIntervals, type V4Intervals } from '../src/cidr/intervals-v4.js';
import { parseEndpoint } from '../src/config/address.js';
import { compileProfile } from '../src/policy/decide.js';
import { atListener, parseConntrack, parseSs, ssFilter } from '../src/nftables/connections.js';
import { driftOf } from '../src/nftables/drift.js';
import { allowedIntervals, elementOf, intervalOfElement, MAPPED_INTERVAL } from '../src/nftables/elements.js';
import { parseListing } from '../src/nftables/readback.js';
import { createTable } from '../src/nftables/ruleset.js';
import { emptyContents, plan } from '../src/nftables/update-plan.js';

const small = fc.array(fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 8 })), { maxLength: 8 });
const toIntervals = (pairs: [number, number][]): Interval[] => pairs.map(([a, n]) => ({ first: BigInt(a), last: BigInt(a + n) }));
const members = (items: readonly Interval[]): Set<number> => {
  const out = new Set<number>();
  for (const i of items) for (let v = Number(i.first); v <= Number(i.last); v++) out.add(v);
  return out;
};

test('normalize and subtract agree with sets of addresses', () => {
  fc.assert(
    fc.property(small, small, (a, b) => {
      const x = normalizeIntervals(toIntervals(a));
      const y = normalizeIntervals(toIntervals(b));
      assert.deepEqual(members(x), members(toIntervals(a)));
      for (let i = 1; i < x.length; i++) assert.ok((x[i] as Interval).first > (x[i - 1] as Interval).last + 1n, 'disjoint, not adjacent');
      const diff = subtractIntervals(x, y);
      const expected = [...members(x)].filter((v) => !members(y).has(v));
      assert.deepEqual([...members(diff)].sort((p, q) => p - q), expected.sort((p, q) => p - q));
    }),
  );
});

test('the update plan: what the sets admit is the new list; small changes leave the allow sets untouched', () => {
  const admits = (c: ReturnType<typeof emptyContents>, v: bigint): boolean => {
    const inside = (items: V4Intervals): boolean => v4ToIntervals(items).some((i) => i.first <= v && v <= i.last);
    return inside(c.added[4]) || (inside(c.allow[4]) && !inside(c.removed[4]));
  };
  fc.assert(
    fc.property(small, small, small, (a, b, c) => {
      let contents = emptyContents({ 4: v4FromIntervals(normalizeIntervals(toIntervals(a))), 6: [] });
      for (const next of [b, c]) {
        const want = normalizeIntervals(toIntervals(next));
        const step = plan(contents, { 4: v4FromIntervals(want), 6: [] }, 4);
        for (let v = 0n; v < 80n; v++) assert.equal(admits(step.contents, v), members(want).has(Number(v)), `address ${v}`);
        if (step.kind === 'delta') assert.equal(step.contents.allow, contents.allow);
        assert.ok(step.changes.every((ch) => ch.role !== 'allow') || step.kind === 'full');
        contents = step.contents;
      }
    }),
  );
  const base = emptyContents({ 4: Uint32Array.of(0, 9), 6: [] });
  const same = plan(base, { 4: Uint32Array.of(0, 9), 6: [] });
  assert.equal(same.kind, 'none');
  assert.deepEqual(same.changes, []);
  const one = plan(base, { 4: Uint32Array.of(0, 10), 6: [] });
  assert.equal(one.kind, 'delta');
  assert.deepEqual(one.changes.map((ch) => `${ch.role}_v${ch.family}`), ['added_v4']);
});

test('profiles as set contents: egress, 0.0.0.0/32, disabled, IPv4-mapped entries; ::/0 leaves out the mapped block', () => {
  const sets = (authorizedIpRanges: string[], egressIpRanges: string[] = []) => {
    const s = allowedIntervals(compileProfile({ authorizedIpRanges, egressIpRanges }));
    return { 4: v4ToIntervals(s[4]), 6: s[6] };
  };
  assert.deepEqual(sets(['127.0.0.2/32'], ['127.0.0.3/32'])[4], [{ first: 0x7f000002n, last: 0x7f000003n }]);
  assert.deepEqual(sets(['0.0.0.0/32'], []), { 4: [], 6: [] });
  assert.deepEqual(sets(['0.0.0.0/32'], ['10.0.0.1/32'])[4], [{ first: 0x0a000001n, last: 0x0a000001n }]);
  const disabled = sets([]);
  assert.deepEqual(disabled[4], [{ first: 0n, last: 0xffffffffn }]);
  assert.deepEqual(disabled[6], [{ first: 0n, last: MAPPED_INTERVAL.first - 1n }, { first: MAPPED_INTERVAL.last + 1n, last: (1n << 128n) - 1n }]);
  const mapped = sets(['::ffff:127.0.0.2/128']);
  assert.deepEqual(mapped, { 4: [{ first: 0x7f000002n, last: 0x7f000002n }], 6: [] });
});

test('elements round-trip through the shapes nft lists (address, prefix, range, wrapped)', () => {
  const cases: [4 | 6, Interval][] = [
    [4, { first: 0n, last: 0xffffffffn }],
    [4, { first: 0x7f000002n, last: 0x7f000002n }],
    [4, { first: 0x7f000002n, last: 0x7f000005n }],
    [6, { first: 1n, last: 1n }],
    [6, { first: MAPPED_INTERVAL.last + 1n, last: (1n << 128n) - 1n }],
  ];
  for (const [family, interval] of cases) assert.deepEqual(intervalOfElement(family, elementOf(family, interval)), interval);
  assert.deepEqual(elementOf(4, { first: 0x0a000000n, last: 0x0affffffn }), { prefix: { addr: '10.0.0.0', len: 8 } });
  assert.deepEqual(intervalOfElement(4, { elem: { val: '10.0.0.1', comment: 'x' } }), { first: 0x0a000001n, last: 0x0a000001n });
  assert.deepEqual(intervalOfElement(6, '::ffff:1.2.3.4'), { first: (0xffffn << 32n) | 0x01020304n, last: (0xffffn << 32n) | 0x01020304n });
  assert.throws(() => intervalOfElement(4, { concat: [] }), /unexpected set element/);
});

test('a listing read back: sets, counters and the shape; drift is worded per set', () => {
  const listing = parseListing(JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { table: { family: 'inet', name: 'ipgate', handle: 1 } },
      { counter: { family: 'inet', name: 'allowed_0', table: 'ipgate', handle: 2, packets: 7, bytes: 420 } },
      { set: { family: 'inet', name: 'allow_v4', table: 'ipgate', type: 'ipv4_addr', handle: 3, flags: ['interval'], elem: ['127.0.0.2', { prefix: { addr: '10.0.0.0', len: 8 } }] } },
      { chain: { family: 'inet', table: 'ipgate', name: 'input', handle: 4, type: 'filter', hook: 'input', prio: -10, policy: 'accept' } },
      { rule: { family: 'inet', table: 'ipgate', chain: 'input', handle: 5, expr: [{ accept: null }] } },
    ],
  }));
  assert.equal(listing.counters.get('allowed_0'), 7);
  assert.deepEqual(listing.sets.get('allow_v4')?.intervals, Uint32Array.of(0x0a000000, 0x0affffff, 0x7f000002, 0x7f000002));
  assert.doesNotMatch(listing.shape, /handle|packets/);
  const want = emptyContents({ 4: Uint32Array.of(0x7f000002, 0x7f000003), 6: [] });
  const problems = driftOf(listing, want, 'another shape', ['allow_v4']);
  assert.deepEqual(problems, ['set allow_v4 lacks 127.0.0.3', 'set allow_v4 holds 10.0.0.0-10.255.255.255, which the profile does not']);
  assert.deepEqual(driftOf(listing, want, listing.shape).filter((p) => p.includes('missing')).length, 5, 'the other five sets are missing');
  assert.ok(driftOf(listing, want, 'another shape').includes('the chains, rules, sets or counters were changed'));
});

test('the table: no rule for enforce: false listeners, wildcard addresses, reset or drop, counts carried over', () => {
  const commands = createTable(
    {
      listeners: [
        { index: 0, name: 'public', address: parseEndpoint('[::]:6443') },
        { index: 2, name: 'v4', address: parseEndpoint('0.0.0.0:443') },
      ],
      hooks: ['input', 'forward'],
      refuse: 'drop',
      log: { group: 5, perSecond: 3 },
    },
    emptyContents({ 4: new Uint32Array(0), 6: [] }),
    new Map([['refused_2', 41]]),
  );
  const text = JSON.stringify(commands);
  assert.match(text, /"hook":"forward"/);
  assert.match(text, /"name":"refused_2"[^}]*"packets":41/);
  assert.doesNotMatch(text, /listener_1/);
  assert.match(text, /\{"drop":null\}/);
  assert.doesNotMatch(text, /tcp reset/);
  assert.match(text, /"log":\{"group":5,"prefix":"ipgate public"\}/);
  assert.match(text, /"meta":\{"key":"nfproto"\}\},"right":"ipv4"/);
});

test('ss and conntrack listings', () => {
  const tuples = parseSs('0      0      [::ffff:127.0.0.1]:8443 [::ffff:127.0.0.4]:40010\n0 0 127.0.0.1:8443 127.0.0.2:5000\n0 0 [::1]:8443 [::1]:6000 users:(("node",pid=1,fd=3))\n');
  assert.deepEqual(tuples.map((t) => t.peerHost), ['::ffff:127.0.0.4', '127.0.0.2', '::1']);
  assert.equal(atListener('::ffff:127.0.0.1', 8443, parseEndpoint('127.0.0.1:8443')), true);
  assert.equal(atListener('::1', 8443, parseEndpoint('0.0.0.0:8443')), false);
  assert.equal(atListener('::1', 8443, parseEndpoint('[::]:8443')), true);
  assert.equal(atListener('127.0.0.1', 8444, parseEndpoint('[::]:8443')), false);
  assert.equal(ssFilter(tuples.slice(0, 1)), '( dst [::ffff:127.0.0.4] and dport = :40010 and sport = :8443 )');
  const entries = parseConntrack('tcp      6 431999 ESTABLISHED src=198.51.100.7 dst=10.0.0.1 sport=40000 dport=443 src=10.1.0.5 dst=198.51.100.7 sport=6443 dport=40000 [ASSURED] mark=0 use=1\nconntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
  assert.deepEqual(entries, [{ source: '198.51.100.7', destination: '10.0.0.1', sourcePort: 40000, destinationPort: 443, replySource: '10.1.0.5', replySourcePort: 6443 }]);
});
