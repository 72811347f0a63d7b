import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIpv4RangeFast } from '../src/cidr/fast-ipv4.js';
import { parseRange } from '../src/cidr/parse.js';

function strict(text: string): ReturnType<typeof parseRange> | undefined {
  try {
    return parseRange(text);
  } catch {
    return undefined;
  }
}

test('the quick IPv4 path reads canonical dotted quads with a prefix exactly as parseRange does', () => {
  for (const text of ['0.0.0.0/0', '0.0.0.0/32', '0.0.0.0', '192.0.2.0/24', '192.0.2.7', '255.255.255.255/32', '128.0.0.0/1', '10.0.0.0/8']) {
    assert.deepEqual(parseIpv4RangeFast(text), parseRange(text), text);
  }
});

test('the quick IPv4 path leaves every other spelling and every error to parseRange', () => {
  for (const text of ['192.0.2.7/24', '1.0.0.0/0', '192.0.2.0/33', '192.0.2.0/024', '192.0.2.0/', '/24', '192.0.2.0//24', '192.0.2.0/24/',
    '01.2.3.4', '1.2.3', '1.2.3.4.5', '256.0.0.0/8', ' 1.2.3.4', '1.2.3.4 ', '::ffff:1.2.3.4', '::ffff:1.2.3.0/120', '2001:db8::/32',
    '1.2.3.4/255.255.255.255', '0x1.2.3.4', '', 'AzureCloud', '1.2.3.4%eth0', '[1.2.3.4]']) {
    assert.equal(parseIpv4RangeFast(text), undefined, text);
  }
  assert.equal(parseIpv4RangeFast(42 as unknown as string), undefined);
});

test('property: whatever the quick path accepts, parseRange accepts with the same range; every canonical IPv4 CIDR is accepted', () => {
  const octet = fc.oneof(fc.nat(255).map(String), fc.constantFrom('00', '01', '256', '999', '', 'a', '1 '));
  const text = fc.tuple(fc.array(octet, { minLength: 3, maxLength: 5 }), fc.option(fc.oneof(fc.nat(40).map(String), fc.constantFrom('', '01', '-1', '3a')), { nil: undefined }))
    .map(([parts, prefix]) => parts.join('.') + (prefix === undefined ? '' : `/${prefix}`));
  fc.assert(fc.property(text, (t) => {
    const quick = parseIpv4RangeFast(t);
    if (quick !== undefined) assert.deepEqual(quick, strict(t), t);
  }), { numRuns: 3000 });
  const canonical = fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })).map(([v, p]) => {
    const net = p === 0 ? 0 : ((v >>> (32 - p)) << (32 - p)) >>> 0;
    return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${p}`;
  });
  fc.assert(fc.property(canonical, (t) => {
    assert.deepEqual(parseIpv4RangeFast(t), parseRange(t), t);
  }), { numRuns: 2000 });
});
