/**
 * The profile in force leaves an entry out from the instant it expires, even when the timer meant to do it
 * has not fired (a busy or suspended process): the decision reads the clock itself. With a clock of the
 * test's own, the timer (set for real time) never fires during the test, so only that read can refuse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileWithInfo } from '../src/policy/entry-info.js';
import { ProfileState, type ProfileGeneration } from '../src/runtime/profile-state.js';

const T = Date.parse('2030-01-01T12:00:00Z');

function state(authorized: string[], expiring: Record<string, string>, egress: string[] = []): { state: ProfileState; clock: { now: number } } {
  const clock = { now: T - 3_600_000 };
  const info = new Map(Object.entries(expiring).map(([entry, expires]) => [entry, { expires }]));
  const profile = profileWithInfo(authorized, egress, { authorizedIpRanges: info });
  const s = new ProfileState({ profile, revision: 'r1' }, undefined, { now: () => clock.now });
  return { state: s, clock };
}

test('an expired entry is refused at once, without waiting for the timer; subscribers hear of it', () => {
  const { state: s, clock } = state(['10.0.0.0/8', '203.0.113.7/32'], { '203.0.113.7/32': '2030-01-01T12:00:00Z' });
  const heard: ProfileGeneration[] = [];
  s.subscribe((current) => heard.push(current));
  assert.equal(s.current.compiled.decide('203.0.113.7').allowed, true);
  assert.equal(s.current.expiresAt, T);
  clock.now = T - 1;
  assert.equal(s.current.compiled.decide('203.0.113.7').allowed, true, 'enforced until its expiry time');
  assert.equal(heard.length, 0);
  clock.now = T;
  const verdict = s.current.compiled.decide('203.0.113.7');
  assert.deepEqual({ allowed: verdict.allowed, reason: verdict.reason }, { allowed: false, reason: 'not-authorized' });
  assert.equal(s.current.compiled.decide('10.1.2.3').allowed, true, 'the other entries stay');
  assert.equal(heard.length, 1, 'one new generation (revocation of open connections hangs on it)');
  assert.deepEqual(heard[0]?.expired, ['203.0.113.7/32']);
  assert.equal(heard[0]?.revision, 'r1', 'the stored revision is unchanged until the store is rewritten');
  assert.equal(s.current.expiresAt, Infinity);
  s.close();
});

test('the last authorized entry expiring leaves "egress only", not "disabled"', () => {
  const { state: s, clock } = state(['203.0.113.7/32'], { '203.0.113.7/32': '2030-01-01T12:00:00Z' }, ['20.50.1.7/32']);
  clock.now = T + 5000;
  const current = s.current;
  assert.equal(current.egressOnly, true);
  assert.deepEqual(current.compiled.profile.authorizedIpRanges, ['0.0.0.0/32']);
  assert.equal(current.compiled.decide('203.0.113.7').allowed, false);
  assert.equal(current.compiled.decide('198.51.100.1').reason, 'egress-only');
  assert.equal(current.compiled.decide('20.50.1.7').allowed, true, 'egress addresses stay allowed');
  s.close();
});

test('a new stored profile with an entry already expired never enforces it', () => {
  const { state: s, clock } = state(['10.0.0.0/8'], {});
  clock.now = T + 1;
  const info = new Map([['203.0.113.7/32', { expires: '2030-01-01T12:00:00Z' }]]);
  s.swap({ profile: profileWithInfo(['10.0.0.0/8', '203.0.113.7/32'], [], { authorizedIpRanges: info }), revision: 'r2' });
  assert.equal(s.current.compiled.decide('203.0.113.7').allowed, false);
  assert.deepEqual(s.current.expired, ['203.0.113.7/32']);
  s.close();
});

test('the timer removes the entry at its time in a running process', async () => {
  const expires = new Date(Date.now() + 300).toISOString();
  const info = new Map([['203.0.113.7/32', { expires }]]);
  const s = new ProfileState({ profile: profileWithInfo(['10.0.0.0/8', '203.0.113.7/32'], [], { authorizedIpRanges: info }), revision: 'r1' });
  const installed = new Promise<ProfileGeneration>((resolve) => s.subscribe((current) => resolve(current)));
  const alive = setTimeout(() => undefined, 5000); // the state's timer keeps no process alive by itself
  const generation = await installed;
  clearTimeout(alive);
  assert.ok(Date.now() >= Date.parse(expires), 'not before its time');
  assert.deepEqual(generation.expired, ['203.0.113.7/32']);
  s.close();
});
