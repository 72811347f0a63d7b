/** The audit log's per-source rate limit of refusal lines (pure: windows are ended by the caller). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVERFLOW_SOURCE, RefusalLimiter } from '../src/runtime/refusal-limiter.js';

test('the first N refusals of a source in a window are written, the rest counted per listener and reason', () => {
  const limiter = new RefusalLimiter(10);
  const admitted = Array.from({ length: 25 }, () => limiter.admit('public', '203.0.113.9', 'not-authorized')).filter(Boolean).length;
  assert.equal(admitted, 10);
  for (let i = 0; i < 3; i++) assert.equal(limiter.admit('internal', '203.0.113.9', 'proxy-header-timeout'), false);
  assert.equal(limiter.admit('public', '198.51.100.1', 'not-authorized'), true, 'another source has its own budget');
  assert.deepEqual(limiter.endWindow(), [
    { listener: 'public', source: '203.0.113.9', reason: 'not-authorized', suppressed: 15 },
    { listener: 'internal', source: '203.0.113.9', reason: 'proxy-header-timeout', suppressed: 3 },
  ]);
});

test('a new window starts afresh and the table is emptied', () => {
  const limiter = new RefusalLimiter(2);
  limiter.admit('l', 'a', 'r');
  limiter.admit('l', 'a', 'r');
  assert.equal(limiter.admit('l', 'a', 'r'), false);
  assert.equal(limiter.active, true);
  assert.equal(limiter.endWindow().length, 1);
  assert.equal(limiter.active, false);
  assert.deepEqual(limiter.endWindow(), [], 'nothing suppressed: no summary');
  assert.equal(limiter.admit('l', 'a', 'r'), true);
});

test('the table is bounded: sources beyond it are counted under "*"', () => {
  const limiter = new RefusalLimiter(10, 3);
  for (const s of ['a', 'b', 'c']) assert.equal(limiter.admit('l', s, 'r'), true);
  assert.equal(limiter.admit('l', 'd', 'r'), false);
  assert.equal(limiter.admit('l', 'e', 'r'), false);
  assert.equal(limiter.admit('l', 'a', 'r'), true, 'sources in the table keep their budget');
  assert.deepEqual(limiter.endWindow(), [{ listener: 'l', source: OVERFLOW_SOURCE, reason: 'r', suppressed: 2 }]);
  assert.equal(limiter.admit('l', 'd', 'r'), true, 'the next window has room again');
});
