import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange, formatRange } from '../src/index.js';

test('host bits are refused with the network address as the fix', () => {
  assert.throws(() => parseRange('137.117.106.90/29'), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal((e as { code?: string }).code, 'ERR_HOST_BITS');
    assert.equal((e as { suggestion?: string }).suggestion, '137.117.106.88/29');
    return true;
  });
  assert.equal(formatRange(parseRange('2001:0db8::/32')), '2001:db8::/32');
});
