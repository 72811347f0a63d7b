/**
 * The pure parts of the admin API's access and whoami: token matching and scopes, the client certificate's
 * subject as a name, address classes, and whoami's warnings for listeners facing the internet or behind a
 * balancer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkScope, identify } from '../src/admin/access.js';
import { matchToken, scopeAllows, tokenDigest, type AdminToken } from '../src/admin/auth.js';
import { subjectName } from '../src/admin/tls-material.js';
import { addressWarnings, type ListenerView } from '../src/admin/whoami.js';
import { AddressClassifier } from '../src/net/address-class.js';

const TOKENS: AdminToken[] = [
  { name: 'ci', scope: 'write', digest: tokenDigest('write-token-aaaaaaaaaaaa') },
  { name: 'dash', scope: 'read', digest: tokenDigest('read-token-bbbbbbbbbbbbb') },
];

test('a bearer token matches by its digest; an absent, empty or wrong one does not', () => {
  assert.equal(matchToken('Bearer write-token-aaaaaaaaaaaa', TOKENS)?.name, 'ci');
  assert.equal(matchToken('bearer read-token-bbbbbbbbbbbbb', TOKENS)?.name, 'dash');
  assert.equal(matchToken('Bearer read-token-bbbbbbbbbbbbbX', TOKENS), undefined);
  assert.equal(matchToken('Bearer ', TOKENS), undefined);
  assert.equal(matchToken(undefined, TOKENS), undefined);
  assert.equal(matchToken('Basic write-token-aaaaaaaaaaaa', TOKENS), undefined);
  assert.equal(matchToken('Bearer write-token-aaaaaaaaaaaa', []), undefined, 'no tokens in force: nobody');
});

test('scopes: read may GET only; write may also change; the actor is the certificate subject when there is one', () => {
  assert.deepEqual(['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'].map((m) => scopeAllows('read', m)), [true, true, false, false, false, false]);
  assert.ok(['GET', 'PUT', 'PATCH', 'POST'].every((m) => scopeAllows('write', m)));
  const rules = { tokens: () => TOKENS, metricsNeedToken: false };
  const read = { path: '/v1/profile', method: 'PATCH', authorization: 'Bearer read-token-bbbbbbbbbbbbb' };
  const who = identify(read, rules);
  assert.deepEqual(who, { actor: 'dash', token: 'dash', scope: 'read' });
  assert.throws(() => checkScope(who, read), (e: Error & { code?: string; status?: number }) => e.code === 'ERR_FORBIDDEN' && e.status === 403);
  assert.deepEqual(identify({ ...read, clientSubject: 'CN=alice,O=ops' }, rules)?.actor, 'CN=alice,O=ops');
  assert.throws(() => identify({ path: '/v1/profile', method: 'GET' }, rules), (e: Error & { code?: string }) => e.code === 'ERR_UNAUTHORIZED');
  assert.equal(identify({ path: '/metrics', method: 'GET' }, rules), undefined, '/metrics is open without a metrics listener');
  assert.throws(() => identify({ path: '/metrics', method: 'GET' }, { ...rules, metricsNeedToken: true }), (e: Error & { code?: string }) => e.code === 'ERR_UNAUTHORIZED');
  assert.equal(identify({ path: '/healthz', method: 'GET' }, { ...rules, metricsNeedToken: true }), undefined);
});

test("a certificate subject reads most specific part first, with Node's escaping kept", () => {
  assert.equal(subjectName('O=ops\nCN=alice'), 'CN=alice,O=ops');
  assert.equal(subjectName('C=DE\nO=ops\\, inc\nCN=bob'), 'CN=bob,O=ops\\, inc,C=DE');
});

test('address classes', () => {
  const c = new AddressClassifier();
  assert.deepEqual(['127.0.0.1', '::1', '::ffff:127.0.0.9', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', 'fd00::1', 'fe80::1', '0.0.0.0', '::', '198.51.100.7', '2001:db8::1', '8.8.8.8'].map((a) => c.classify(a)), [
    'loopback', 'loopback', 'loopback', 'private', 'private', 'private', 'private', 'private', 'private', 'unspecified', 'unspecified', 'public', 'public', 'public',
  ]);
});

test('whoami warnings: a local view while listeners face the internet; a balancer the listeners trust', () => {
  const c = new AddressClassifier();
  const loopbackOnly: ListenerView[] = [{ name: 'public', host: '127.0.0.1', enforce: true }];
  const facing: ListenerView[] = [{ name: 'public', host: '0.0.0.0', enforce: true }, { name: 'internal', host: '10.0.0.4', enforce: false }];
  const notEnforced: ListenerView[] = [{ name: 'vip', host: '0.0.0.0', enforce: false }];
  const balanced: ListenerView[] = [{ name: 'public', host: '10.0.0.4', enforce: true, trustedFrom: ['10.0.0.0/29'] }];
  assert.deepEqual(addressWarnings('127.0.0.1', loopbackOnly, c), [], 'a loopback gateway judges loopback clients');
  assert.deepEqual(addressWarnings('127.0.0.1', facing, c).map((w) => w.code), ['WARN_ADMIN_ADDRESS_LOCAL']);
  assert.match(addressWarnings('10.1.1.1', facing, c)[0]?.message ?? '', /a private address.*public \(0\.0\.0\.0\)/);
  assert.deepEqual(addressWarnings('203.0.113.7', facing, c), [], 'a public address is what the gateway judges');
  assert.deepEqual(addressWarnings('127.0.0.1', notEnforced, c), [], 'a listener that admits everyone judges nobody');
  assert.deepEqual(addressWarnings('10.0.0.5', balanced, c).map((w) => w.code), ['WARN_ADMIN_ADDRESS_BALANCER']);
  assert.deepEqual(addressWarnings('10.0.0.9', balanced, c), []);
  assert.deepEqual(addressWarnings('::1', [{ name: 'v6', host: '::', enforce: true }], c).map((w) => w.code), ['WARN_ADMIN_ADDRESS_LOCAL']);
});
