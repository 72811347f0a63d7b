/** The explicit profile cache: equal lists are validated and compiled once; callers never share mutable results. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProfile } from '../src/policy/decide.js';
import { ProfileCache } from '../src/policy/profile-cache.js';

const profile = { authorizedIpRanges: ['192.0.2.0/24', '192.0.2.0/24'], egressIpRanges: ['20.50.1.7/32'] };

test('equal lists give the same compiled profile; other lists a new one; caches are independent objects', () => {
  const cache = new ProfileCache();
  const a = cache.compile(profile);
  const b = cache.compile({ authorizedIpRanges: [...profile.authorizedIpRanges], egressIpRanges: [...profile.egressIpRanges] });
  assert.equal(a, b);
  const c = cache.compile({ authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] });
  assert.notEqual(c, a);
  assert.notEqual(new ProfileCache().compile(profile), a, 'no state shared between caches');
  assert.deepEqual(a.decide('192.0.2.9'), compileProfile(profile).decide('192.0.2.9'));
});

test('a remembered validation is handed out as a copy (the warning stays, a caller cannot change it for others)', () => {
  const cache = new ProfileCache();
  const first = cache.validate(profile);
  assert.equal(first.problems[0]?.code, 'WARN_DUPLICATE_ENTRY');
  (first.problems as unknown[]).length = 0;
  assert.equal(cache.validate(profile).problems.length, 1);
  assert.equal(cache.validate(profile, { target: 'aks' }).problems.some((p) => p.code === 'ERR_AKS_NOT_GLOBAL'), true, 'another target is judged anew');
});

test('the compiled profile is a snapshot: changing the caller\'s arrays later has no effect', () => {
  const cache = new ProfileCache();
  const lists = { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [] as string[] };
  const compiled = cache.compile(lists);
  lists.authorizedIpRanges.push('198.51.100.0/24');
  assert.equal(compiled.decide('198.51.100.1').allowed, false);
  assert.notEqual(cache.compile(lists), compiled, 'the changed lists are compiled anew');
});
