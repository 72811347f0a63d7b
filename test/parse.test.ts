import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, parseRange, formatAddress, formatRange, IpgateError } from '../src/index.js';

interface Refusal {
  readonly input: string;
  readonly code: string;
  readonly suggestion?: string;
}

/** Asserts that `fn` throws an IpgateError with this code, the input named, and exactly this suggestion. */
function assertRefused(fn: () => unknown, { input, code, suggestion }: Refusal): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IpgateError, `${input}: expected an IpgateError, got ${String(e)}`);
    assert.equal(e.code, code, `${input}: code (${e.message})`);
    assert.equal(e.input, input, `${input}: input`);
    assert.equal(e.suggestion, suggestion, `${input}: suggestion (${e.message})`);
    assert.ok(e.message.includes(input) || e.message.includes(JSON.stringify(input)) || input === '', `${input}: message names the input: ${e.message}`);
    return true;
  });
}

// Refused by both parseAddress and parseRange, with the same code and suggestion.
const refusedEverywhere: Refusal[] = [
  { input: '010.1.2.3', code: 'ERR_IPV4_LEADING_ZERO', suggestion: '10.1.2.3' },
  { input: '0127.2.3.1', code: 'ERR_IPV4_LEADING_ZERO', suggestion: '127.2.3.1' },
  { input: '1.2.3.04', code: 'ERR_IPV4_LEADING_ZERO', suggestion: '1.2.3.4' },
  { input: '0x7f.0.0.1', code: 'ERR_IPV4_SYNTAX' },
  { input: '0x7f000001', code: 'ERR_IPV4_SYNTAX' },
  { input: '127.1', code: 'ERR_IPV4_SHORT' },
  { input: '10.1.2', code: 'ERR_IPV4_SHORT' },
  { input: '2130706433', code: 'ERR_IPV4_SHORT' },
  { input: ' 1.2.3.4', code: 'ERR_WHITESPACE', suggestion: '1.2.3.4' },
  { input: '1.2.3.4\n', code: 'ERR_WHITESPACE', suggestion: '1.2.3.4' },
  { input: '1.2.3.4\u00a0', code: 'ERR_WHITESPACE', suggestion: '1.2.3.4' },
  { input: '1.2. 3.4', code: 'ERR_WHITESPACE' },
  { input: '1.2.3.4x', code: 'ERR_IPV4_SYNTAX' },
  { input: '1.2.3.4.', code: 'ERR_IPV4_SYNTAX' },
  { input: '1.2.3.4.5', code: 'ERR_IPV4_SYNTAX' },
  { input: '1..2.3', code: 'ERR_IPV4_SYNTAX' },
  { input: '.1.2.3', code: 'ERR_IPV4_SYNTAX' },
  { input: '1.2.3.4:80', code: 'ERR_IPV4_SYNTAX' },
  { input: '256.1.1.1', code: 'ERR_IPV4_OCTET' },
  { input: '1.2.3.1000', code: 'ERR_IPV4_OCTET' },
  { input: '-1.2.3.4', code: 'ERR_ADDRESS_SYNTAX' },
  { input: '1e3.0.0.0', code: 'ERR_ADDRESS_SYNTAX' },
  { input: '\uff11.2.3.4', code: 'ERR_ADDRESS_SYNTAX' }, // full-width digit
  { input: 'localhost', code: 'ERR_ADDRESS_SYNTAX' },
  { input: '', code: 'ERR_EMPTY' },
  { input: 'fe80::1%eth0', code: 'ERR_ZONE_ID', suggestion: 'fe80::1' },
  { input: '[::1]', code: 'ERR_BRACKETS', suggestion: '::1' },
  { input: ':::', code: 'ERR_IPV6_SYNTAX' },
  { input: ':::1', code: 'ERR_IPV6_SYNTAX' },
  { input: ':1::', code: 'ERR_IPV6_SYNTAX' },
  { input: '1:', code: 'ERR_IPV6_SYNTAX' },
  { input: '1::2::3', code: 'ERR_IPV6_SYNTAX' },
  { input: '1:2:3:4:5:6:7:8:9', code: 'ERR_IPV6_SYNTAX' },
  { input: '1:2:3:4:5:6:7', code: 'ERR_IPV6_SYNTAX' },
  { input: '1:2:3:4:5:6:7:8::', code: 'ERR_IPV6_SYNTAX' },
  { input: '1:2:3:4:5:6:7:1.2.3.4', code: 'ERR_IPV6_SYNTAX' },
  { input: '12345::', code: 'ERR_IPV6_SYNTAX' },
  { input: '2001:db8::g', code: 'ERR_IPV6_SYNTAX' },
  { input: '::ffff:01.2.3.4', code: 'ERR_IPV4_LEADING_ZERO' },
  { input: '::1.2.3', code: 'ERR_IPV4_SHORT' },
];

test('strict parser refuses ambiguous and malformed addresses with a stable code and a fix', () => {
  for (const refusal of refusedEverywhere) {
    assertRefused(() => parseAddress(refusal.input), refusal);
    assertRefused(() => parseRange(refusal.input), refusal);
  }
});

// Range-only refusals (prefix lengths, netmasks, host bits).
const refusedRanges: Refusal[] = [
  { input: '10.0.0.0/255.0.0.0', code: 'ERR_PREFIX_NETMASK', suggestion: '10.0.0.0/8' },
  { input: '10.1.0.0/255.0.0.0', code: 'ERR_PREFIX_NETMASK', suggestion: '10.0.0.0/8' },
  { input: '192.0.2.0/255.255.255.0', code: 'ERR_PREFIX_NETMASK', suggestion: '192.0.2.0/24' },
  { input: '0.0.0.0/0.0.0.0', code: 'ERR_PREFIX_NETMASK', suggestion: '0.0.0.0/0' },
  { input: '192.0.2.1/255.255.255.255', code: 'ERR_PREFIX_NETMASK', suggestion: '192.0.2.1/32' },
  { input: '10.0.0.0/255.0.255.0', code: 'ERR_PREFIX_NETMASK' },
  { input: '137.117.106.90/29', code: 'ERR_HOST_BITS', suggestion: '137.117.106.88/29' },
  { input: '10.0.0.1/24', code: 'ERR_HOST_BITS', suggestion: '10.0.0.0/24' },
  { input: '1.2.3.4/0', code: 'ERR_HOST_BITS', suggestion: '0.0.0.0/0' },
  { input: '2001:db8::1/32', code: 'ERR_HOST_BITS', suggestion: '2001:db8::/32' },
  { input: '::ffff:0:0/95', code: 'ERR_HOST_BITS', suggestion: '::fffe:0:0/95' },
  { input: '::ffff:10.1.2.3/120', code: 'ERR_HOST_BITS', suggestion: '::ffff:a01:200/120' },
  { input: '10.0.0.0/024', code: 'ERR_PREFIX_LENGTH', suggestion: '10.0.0.0/24' },
  { input: '10.0.0.0/08', code: 'ERR_PREFIX_LENGTH', suggestion: '10.0.0.0/8' },
  { input: '10.0.0.0/33', code: 'ERR_PREFIX_LENGTH' },
  { input: '::/129', code: 'ERR_PREFIX_LENGTH' },
  { input: '2001:db8::/0032', code: 'ERR_PREFIX_LENGTH', suggestion: '2001:db8::/32' },
  { input: '1.2.3.4/', code: 'ERR_PREFIX_LENGTH' },
  { input: '1.2.3.4/-1', code: 'ERR_PREFIX_LENGTH' },
  { input: '1.2.3.4/+8', code: 'ERR_PREFIX_LENGTH' },
  { input: '1.2.3.4/0x10', code: 'ERR_PREFIX_LENGTH' },
  { input: '1.2.3.0/24/5', code: 'ERR_PREFIX_LENGTH' },
  { input: '1.2.3.0/24 ', code: 'ERR_WHITESPACE', suggestion: '1.2.3.0/24' },
  { input: '/24', code: 'ERR_ADDRESS_SYNTAX' },
  { input: 'fe80::%eth0/64', code: 'ERR_ZONE_ID', suggestion: 'fe80::/64' },
];

test('ranges: prefix lengths are plain decimals in range, netmasks and host bits are refused with the fix', () => {
  for (const refusal of refusedRanges) assertRefused(() => parseRange(refusal.input), refusal);
});

test('parseAddress refuses a prefix length and suggests the bare address', () => {
  assertRefused(() => parseAddress('10.0.0.0/8'), { input: '10.0.0.0/8', code: 'ERR_ADDRESS_SYNTAX', suggestion: '10.0.0.0' });
});

test('non-string input is refused with a code', () => {
  assert.throws(() => parseAddress(42 as unknown as string), { code: 'ERR_ADDRESS_TYPE' });
  assert.throws(() => parseRange(undefined as unknown as string), { code: 'ERR_RANGE_TYPE' });
});

// [input, family, canonical address]
const addresses: [string, 4 | 6, string][] = [
  ['0.0.0.0', 4, '0.0.0.0'],
  ['255.255.255.255', 4, '255.255.255.255'],
  ['192.0.2.1', 4, '192.0.2.1'],
  ['10.0.0.10', 4, '10.0.0.10'],
  ['::', 6, '::'],
  ['::1', 6, '::1'],
  ['1::', 6, '1::'],
  ['2001:DB8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'], // RFC 5952: first of equal runs, lower case
  ['2001:0db8::0001', 6, '2001:db8::1'], // leading zeros within groups are fine in IPv6
  ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
  ['2001:0:0:1:0:0:0:1', 6, '2001:0:0:1::1'], // the longest run is compressed
  ['fe80:0:0:0:0:0:0:0', 6, 'fe80::'],
  ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
  // IPv4-mapped IPv6, any case and any spelling, is the IPv4 address.
  ['::ffff:1.2.3.4', 4, '1.2.3.4'],
  ['::FFFF:1.2.3.4', 4, '1.2.3.4'],
  ['::ffff:7f00:1', 4, '127.0.0.1'],
  ['0:0:0:0:0:ffff:c000:0201', 4, '192.0.2.1'],
  // Other embeddings stay IPv6.
  ['2002:c000:0201::', 6, '2002:c000:201::'], // 6to4
  ['64:ff9b::1.2.3.4', 6, '64:ff9b::102:304'], // NAT64
  ['::1.2.3.4', 6, '::102:304'], // IPv4-compatible (deprecated)
  ['::fffe:1.2.3.4', 6, '::fffe:102:304'],
  ['::ffff:0:1.2.3.4', 6, '::ffff:0:102:304'], // IPv4-translated, not mapped
];

test('addresses parse to the right family and print canonically (RFC 5952 for IPv6)', () => {
  for (const [input, family, canonical] of addresses) {
    const a = parseAddress(input);
    assert.equal(a.family, family, input);
    assert.equal(formatAddress(a), canonical, input);
    const r = parseRange(input);
    assert.deepEqual(r, { family, network: a.value, prefix: family === 4 ? 32 : 128 }, input);
  }
});

// [input, canonical range]
const ranges: [string, string][] = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['0.0.0.0/32', '0.0.0.0/32'],
  ['192.0.2.7', '192.0.2.7/32'],
  ['137.117.106.88/29', '137.117.106.88/29'],
  ['2001:0DB8::/32', '2001:db8::/32'],
  ['::/0', '::/0'],
  ['fe80::/10', 'fe80::/10'],
  ['::1', '::1/128'],
  ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
  ['::ffff:0:0/96', '0.0.0.0/0'],
  ['::fffe:0:0/96', '::fffe:0:0/96'],
];

test('ranges parse strictly and print canonically; mapped ranges become IPv4', () => {
  for (const [input, canonical] of ranges) assert.equal(formatRange(parseRange(input)), canonical, input);
});
