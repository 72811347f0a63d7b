import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../src/admin/api-error.js';
import { bearerMatches } from '../src/admin/auth.js';
import { parsePatchBody, parseProfileBody } from '../src/admin/body.js';
import { checkLockout } from '../src/admin/lockout.js';
import { applyPatch } from '../src/admin/patch.js';
import { compileProfile } from '../src/policy/decide.js';

const base = { authorizedIpRanges: ['10.0.0.0/24', '2001:db8::/32'], egressIpRanges: ['20.50.1.7/32'] };

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected an ApiError');
}

test('patch removes then adds, compares canonically, ignores duplicates', () => {
  const r = applyPatch(base, parsePatchBody('{"add":["192.0.2.0/24","10.0.0.0/24","2001:DB8::/32"],"remove":["2001:0db8::/32"]}'));
  assert.deepEqual(r.profile.authorizedIpRanges, ['10.0.0.0/24', '192.0.2.0/24', '2001:DB8::/32']);
  assert.deepEqual(r.added, ['192.0.2.0/24', '2001:DB8::/32']);
  assert.deepEqual(r.removed, ['2001:db8::/32']);
  assert.deepEqual(r.profile.egressIpRanges, base.egressIpRanges);
  const e = applyPatch(base, parsePatchBody('{"addEgress":["20.50.1.8"],"removeEgress":["20.50.1.7/32"]}'));
  assert.deepEqual(e.profile.egressIpRanges, ['20.50.1.8']);
});

test('bad patch entries: every one reported with code and suggestion, input untouched', () => {
  const before = JSON.stringify(base);
  const e = apiError(() => applyPatch(base, parsePatchBody('{"add":["10.0.0.1/24","bogus"],"remove":["172.16.0.0/12"]}')));
  assert.equal(e.status, 400);
  assert.equal(e.code, 'ERR_PATCH_INVALID');
  assert.equal(e.errors.length, 3);
  const hostBits = e.errors.find((x) => x.entry === '10.0.0.1/24');
  assert.equal(hostBits?.suggestion, '10.0.0.0/24');
  assert.equal(hostBits?.code, 'ERR_HOST_BITS');
  assert.equal(e.errors.find((x) => x.entry === '172.16.0.0/12')?.code, 'ERR_ENTRY_NOT_FOUND');
  assert.equal(JSON.stringify(base), before);
});

test('a patch that empties the list (= allow everyone) is refused', () => {
  const e = apiError(() => applyPatch(base, parsePatchBody('{"remove":["10.0.0.0/24","2001:db8::/32"]}')));
  assert.equal(e.code, 'ERR_PATCH_DISABLES');
});

test('bodies are strict', () => {
  assert.equal(apiError(() => parsePatchBody('{"ad":["1.2.3.4"]}')).errors[0]?.code, 'ERR_BODY_UNKNOWN_KEY');
  assert.equal(apiError(() => parsePatchBody('{}')).code, 'ERR_PATCH_EMPTY');
  assert.equal(apiError(() => parsePatchBody('not json')).code, 'ERR_BODY_JSON');
  assert.equal(apiError(() => parseProfileBody('{"authorizedIpRanges":"1.2.3.4"}')).code, 'ERR_BODY_SHAPE');
  assert.deepEqual(parseProfileBody('{"authorizedIpRanges":[]}'), { authorizedIpRanges: [], egressIpRanges: [] });
});

test('lockout: refused when the caller is allowed now and not after, unless forced', () => {
  const now = compileProfile({ authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] });
  const after = compileProfile({ authorizedIpRanges: ['203.0.113.0/24'], egressIpRanges: [] });
  const e = apiError(() => checkLockout(now, after, '198.51.100.7', false));
  assert.equal(e.status, 409);
  assert.equal(e.code, 'ERR_LOCKOUT');
  checkLockout(now, after, '198.51.100.7', true);
  checkLockout(now, after, '192.0.2.1', false); // not allowed before: no lockout to protect
  checkLockout(now, now, '198.51.100.7', false);
  assert.equal(apiError(() => checkLockout(now, after, '::ffff:198.51.100.7', false)).code, 'ERR_LOCKOUT');
});

test('bearer token check', () => {
  const token = 'a'.repeat(32);
  assert.equal(bearerMatches(`Bearer ${token}`, token), true);
  assert.equal(bearerMatches(`bearer ${token}`, token), true);
  assert.equal(bearerMatches(`Bearer ${token}x`, token), false);
  assert.equal(bearerMatches(undefined, token), false);
  assert.equal(bearerMatches('Bearer ', token), false);
  assert.equal(bearerMatches(`Basic ${token}`, token), false);
});

test('a patch and a profile view of a hundred thousand entries and more work (no list spread into one call)', async () => {
  const { formatProfile } = await import('../src/cli/profile-view.js');
  const { profileWithInfo } = await import('../src/policy/entry-info.js');
  const many = Array.from({ length: 150_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
  const r = applyPatch(base, parsePatchBody(JSON.stringify({ add: many })));
  assert.equal(r.added.length, many.length);
  assert.equal(r.diff.authorizedIpRanges.added.length, many.length);
  assert.equal(r.profile.authorizedIpRanges.length, many.length + 2);
  const noted = profileWithInfo(many, [], { authorizedIpRanges: new Map(many.map((e) => [e, { note: 'bulk' }])) });
  const text = formatProfile({ ...noted, etag: '"1"' }, 0);
  assert.match(text, /^ {2}10\.0\.0\.0\/32 {6}note: bulk$/m, 'padded to the widest entry, 10.1.255.255/32');
});
