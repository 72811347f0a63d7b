import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileMatcher, compileRangeMap, mergeRanges, parseAddress, parseRange, formatRange, IpgateError, type Range,
} from '../src/index.js';
import { parseIpv4Fast } from '../src/cidr/fast-ipv4.js';

const merged = (texts: string[]): string[] => mergeRanges(texts.map(parseRange)).map(formatRange);

test('mergeRanges combines overlaps and adjacent siblings, keeps the rest, sorts IPv4 first', () => {
  assert.deepEqual(merged([]), []);
  assert.deepEqual(merged(['10.0.1.0/24', '10.0.0.0/24']), ['10.0.0.0/23']);
  assert.deepEqual(merged(['10.0.1.0/24', '10.0.2.0/24']), ['10.0.1.0/24', '10.0.2.0/24']); // adjacent, not siblings
  assert.deepEqual(merged(['10.0.0.0/8', '10.1.2.3', '10.255.255.255']), ['10.0.0.0/8']);
  assert.deepEqual(merged(['10.0.0.0/24', '10.0.0.0/24']), ['10.0.0.0/24']);
  assert.deepEqual(merged(['0.0.0.0/1', '128.0.0.0/1']), ['0.0.0.0/0']);
  assert.deepEqual(merged(['255.255.255.254', '255.255.255.255', '0.0.0.0', '0.0.0.1']), ['0.0.0.0/31', '255.255.255.254/31']);
  assert.deepEqual(merged(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32']);
  assert.deepEqual(merged(['2001:db8::/33', '2001:db8:8000::/33', '10.0.0.0/8']), ['10.0.0.0/8', '2001:db8::/32']);
  assert.deepEqual(merged(['::/1', '8000::/1', '::1']), ['::/0']);
  assert.deepEqual(merged(['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']), ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127']);
  // An interval that is not a prefix becomes the fewest prefixes that tile it.
  assert.deepEqual(merged(['10.0.0.1', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/29', '10.0.0.16/28', '10.0.0.32']),
    ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/29', '10.0.0.16/28', '10.0.0.32/32']);
  assert.deepEqual(merged(['10.0.0.0/32', '10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/30']), ['10.0.0.0/29']);
});

test('mergeRanges refuses malformed Range objects', () => {
  const bad: unknown[] = [
    { family: 4, network: 1n, prefix: 24 }, // host bits
    { family: 4, network: 0n, prefix: 33 },
    { family: 4, network: 1n << 32n, prefix: 32 },
    { family: 5, network: 0n, prefix: 0 },
    { family: 4, network: 0, prefix: 0 },
    { family: 6, network: -1n, prefix: 128 },
    null,
  ];
  for (const r of bad) assert.throws(() => mergeRanges([r as Range]), { code: 'ERR_RANGE_INVALID' });
});

test('matcher: most specific entry as written, first of duplicates, Range entries as formatRange text', () => {
  const m = compileMatcher(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '10.1.0.0/16', parseRange('192.0.2.0/24'), '2001:DB8::/32', '2001:db8:1::/48', '0.0.0.0/32']);
  assert.equal(m.size, 8);
  assert.equal(m.match('10.9.9.9'), '10.0.0.0/8');
  assert.equal(m.match('10.1.9.9'), '10.1.0.0/16');
  assert.equal(m.match('10.1.2.3'), '10.1.2.3');
  assert.equal(m.match('10.1.2.4'), '10.1.0.0/16');
  assert.equal(m.match('10.255.255.255'), '10.0.0.0/8');
  assert.equal(m.match('11.0.0.0'), undefined);
  assert.equal(m.match('9.255.255.255'), undefined);
  assert.equal(m.match('192.0.2.255'), '192.0.2.0/24');
  assert.equal(m.match('2001:db8::1'), '2001:DB8::/32');
  assert.equal(m.match('2001:db8:1:ffff::'), '2001:db8:1::/48');
  assert.equal(m.match('2001:db9::'), undefined);
  assert.equal(m.match('0.0.0.0'), '0.0.0.0/32');
  assert.equal(m.has('0.0.0.1'), false);
  assert.equal(m.has(parseAddress('10.1.2.3')), true);
  assert.equal(m.match(parseAddress('2001:db8:1::5')), '2001:db8:1::/48');
});

test('matcher: IPv4-mapped IPv6 matches as IPv4; otherwise IPv4 and IPv6 never match each other', () => {
  const v4 = compileMatcher(['0.0.0.0/0']);
  const v6 = compileMatcher(['::/0']);
  for (const a of ['1.2.3.4', '::ffff:1.2.3.4', '::FFFF:1.2.3.4', '::ffff:102:304', '0:0:0:0:0:ffff:1.2.3.4']) {
    assert.equal(v4.has(a), true, a);
    assert.equal(v6.has(a), false, a);
  }
  for (const a of ['::1', '::1.2.3.4', '2002:102:304::', '64:ff9b::1.2.3.4', '::fffe:1.2.3.4']) {
    assert.equal(v4.has(a), false, a);
    assert.equal(v6.has(a), true, a);
  }
  // A mapped range, written either way, matches the IPv4 clients it maps.
  const mapped = compileMatcher(['::ffff:10.0.0.0/104', { family: 6, network: (0xffffn << 32n) | 0xc0000200n, prefix: 120 }]);
  assert.equal(mapped.match('10.1.2.3'), '::ffff:10.0.0.0/104');
  assert.equal(mapped.match('::ffff:192.0.2.9'), '::ffff:c000:200/120');
  assert.equal(mapped.has('11.0.0.0'), false);
  // An address object that is mapped IPv6 is looked up as IPv4.
  assert.equal(v4.has({ family: 6, value: (0xffffn << 32n) | 1n }), true);
});

test('matcher: whole spaces and the edges of the space', () => {
  const m = compileMatcher(['255.255.255.255', '0.0.0.0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::']);
  assert.equal(m.has('255.255.255.255'), true);
  assert.equal(m.has('255.255.255.254'), false);
  assert.equal(m.has('0.0.0.0'), true);
  assert.equal(m.has('0.0.0.1'), false);
  assert.equal(m.has('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), true);
  assert.equal(m.has('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'), false);
  assert.equal(m.has('::'), true);
  assert.equal(m.has('::2'), false);
  const empty = compileMatcher([]);
  assert.equal(empty.size, 0);
  assert.equal(empty.has('1.2.3.4'), false);
  assert.equal(empty.match('::1'), undefined);
  const nested = compileMatcher(['0.0.0.0/0', '128.0.0.0/1', '255.255.0.0/16', '255.255.255.0/24']);
  assert.equal(nested.match('255.255.255.255'), '255.255.255.0/24');
  assert.equal(nested.match('255.255.254.255'), '255.255.0.0/16');
  assert.equal(nested.match('255.254.255.255'), '128.0.0.0/1');
  assert.equal(nested.match('127.255.255.255'), '0.0.0.0/0');
  // Ranges on and across the 65,536-address slots of the IPv4 table.
  const slots = compileMatcher(['10.0.255.255', '10.1.0.0/31', '10.2.0.0/15', '10.5.255.0/24']);
  assert.deepEqual(['10.0.255.254', '10.0.255.255', '10.1.0.0', '10.1.0.1', '10.1.0.2', '10.1.255.255', '10.2.0.0', '10.3.255.255', '10.4.0.0', '10.5.255.255', '10.6.0.0']
    .map((a) => slots.has(a)), [false, true, true, true, false, false, true, true, false, true, false]);
});

test('matcher: invalid address strings throw exactly as parseAddress does', () => {
  const m = compileMatcher(['0.0.0.0/0', '::/0']);
  for (const bad of ['', '010.1.2.3', '1.2.3', '1.2.3.4 ', '1.2.3.256', '::ffff:1.2.3', '::ffff:01.2.3.4', '1.2.3.4/32', 'fe80::1%eth0', 'x', ':::', '[::1]', '0x01.2.3.4', '1.2.3.4.']) {
    let expected: IpgateError | undefined;
    try {
      parseAddress(bad);
    } catch (e) {
      expected = e as IpgateError;
    }
    assert.ok(expected instanceof IpgateError, bad);
    for (const call of [() => m.has(bad), () => m.match(bad)]) {
      assert.throws(call, (e: unknown) => e instanceof IpgateError && e.code === expected.code && e.message === expected.message, bad);
    }
  }
  for (const bad of [null, undefined, 42, {}, { family: 4, value: 1 }, { family: 4, value: 1n << 32n }, { family: 6, value: 1n << 128n }, { family: 7, value: 1n }, { family: 4, value: -1n }]) {
    assert.throws(() => m.has(bad as unknown as string), { code: 'ERR_ADDRESS_TYPE' });
  }
});

test('matcher: invalid entries are refused, never ignored', () => {
  assert.throws(() => compileMatcher(['10.0.0.0/8', '10.0.0.1/8']), { code: 'ERR_HOST_BITS', suggestion: '10.0.0.0/8' });
  assert.throws(() => compileMatcher(['010.0.0.0/8']), { code: 'ERR_IPV4_LEADING_ZERO' });
  assert.throws(() => compileMatcher([{ family: 4, network: 5n, prefix: 24 }]), { code: 'ERR_RANGE_INVALID' });
});

test('compileRangeMap gives policy code its own values for already parsed addresses', () => {
  const m = compileRangeMap<{ kind: string; index: number }>([
    [parseRange('192.0.2.0/24'), { kind: 'authorized', index: 0 }],
    [parseRange('192.0.2.7'), { kind: 'egress', index: 0 }],
  ]);
  assert.deepEqual(m.match(parseAddress('192.0.2.7')), { kind: 'egress', index: 0 });
  assert.deepEqual(m.match(parseAddress('::ffff:192.0.2.8')), { kind: 'authorized', index: 0 });
  assert.equal(m.indexOf('192.0.2.7'), 1);
  assert.equal(m.indexOf('192.0.3.7'), -1);
  assert.equal(m.size, 2);
});

test('fast IPv4 path takes plain and mapped dotted quads, and leaves everything else to the strict parser', () => {
  assert.equal(parseIpv4Fast('0.0.0.0'), 0);
  assert.equal(parseIpv4Fast('255.255.255.255'), 0xffffffff);
  assert.equal(parseIpv4Fast('192.0.2.1'), 0xc0000201);
  assert.equal(parseIpv4Fast('::ffff:192.0.2.1'), 0xc0000201);
  assert.equal(parseIpv4Fast('::FfFf:10.0.0.1'), 0x0a000001);
  for (const s of ['', '1.2.3', '1.2.3.4.', '01.2.3.4', '1.2.3.00', '256.0.0.0', '1.2.3.4 ', '1.2.3.4/32', '::ffff:1.2.3', '::fff:1.2.3.4', '::ffff:7f00:1', '1.2.3.1000', '1..2.3']) {
    assert.equal(parseIpv4Fast(s), -1, s);
  }
});
