/** The admin API over real HTTP against a running `ipgate serve`, with real curl clients checking enforcement. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminRequest, curlFrom, metricValue } from './helpers/clients.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';

let fx: GatewayFixture;
const PROFILE = { authorizedIpRanges: ['127.0.0.2/32', '2001:db8::/32'], egressIpRanges: ['127.0.0.9/32'] };

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    store: { file: 'profile.json' },
    profile: PROFILE,
  }));
});
after(async () => {
  await fx.close();
});

const get = (): ReturnType<typeof adminRequest> => adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });

test('missing or wrong token: 401, and nothing is revealed', async () => {
  const none = await adminRequest(fx.adminUrl, 'GET', '/v1/profile');
  assert.equal(none.status, 401);
  assert.equal((none.json as { code: string }).code, 'ERR_UNAUTHORIZED');
  assert.doesNotMatch(none.text, /127\.0\.0\.2/);
  const wrong = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: `${fx.token}x`, body: { add: ['127.0.0.3'] } });
  assert.equal(wrong.status, 401);
  assert.deepEqual((await get()).json, PROFILE);
});

test('health, readiness and metrics need no token', async () => {
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/healthz')).status, 200);
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/readyz')).status, 200);
  const m = await adminRequest(fx.adminUrl, 'GET', '/metrics');
  assert.equal(m.status, 200);
  assert.equal(metricValue(m.text, 'ipgate_profile_entries', '{list="authorized"}'), 2);
  assert.equal(metricValue(m.text, 'ipgate_profile_entries', '{list="egress"}'), 1);
  assert.match(m.text, /ipgate_proxy_protocol_errors_total/);
});

test('GET returns the profile and an ETag', async () => {
  const r = await get();
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, PROFILE);
  assert.match(String(r.headers['etag']), /^"[\w-]+"$/);
});

test('bad input: 400 with one error per entry and its fix; nothing changed', async () => {
  const before = await get();
  const r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['10.0.0.1/24', '127.0.0.3'], remove: ['192.0.2.0/24'] } });
  assert.equal(r.status, 400);
  const body = r.json as { code: string; message: string; errors: { entry: string; code: string; suggestion?: string }[] };
  assert.equal(body.code, 'ERR_PATCH_INVALID');
  assert.deepEqual(body.errors.map((e) => e.entry).sort(), ['10.0.0.1/24', '192.0.2.0/24']);
  assert.equal(body.errors.find((e) => e.entry === '10.0.0.1/24')?.suggestion, '10.0.0.0/24');
  const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: ['0.0.0.0/32', '127.0.0.2/32'] } });
  assert.equal(put.status, 400);
  assert.equal((put.json as { code: string }).code, 'ERR_PROFILE_INVALID');
  const shape = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRange: [] } });
  assert.equal(shape.status, 400);
  const after = await get();
  assert.equal(after.headers['etag'], before.headers['etag']);
  assert.deepEqual(after.json, PROFILE);
});

test('If-Match: a stale ETag is refused with 412; dry runs change nothing', async () => {
  const current = await get();
  const etag = String(current.headers['etag']);
  const dry = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile?dryRun=true', { token: fx.token, body: { add: ['127.0.0.3/32'] }, headers: { 'if-match': etag } });
  assert.equal(dry.status, 200);
  assert.equal((dry.json as { dryRun: boolean }).dryRun, true);
  assert.deepEqual((dry.json as { added: string[] }).added, ['127.0.0.3/32']);
  assert.equal((await get()).headers['etag'], etag);
  assert.notEqual((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'dry run not enforced');

  const ok = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['127.0.0.3/32'] }, headers: { 'if-match': etag } });
  assert.equal(ok.status, 200, ok.text);
  assert.notEqual(ok.headers['etag'], etag);
  // Enforced by the time the response arrives.
  assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0);

  const stale = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { remove: ['127.0.0.3/32'] }, headers: { 'if-match': etag } });
  assert.equal(stale.status, 412);
  assert.equal((stale.json as { code: string }).code, 'ERR_PRECONDITION');
  assert.equal((await get()).headers['etag'], ok.headers['etag']);
});

test('lockout: an update refusing the caller (allowed now) is 409 unless forced', async () => {
  const put = { authorizedIpRanges: ['127.0.0.3/32'], egressIpRanges: ['127.0.0.9/32'] };
  const r = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: put, localAddress: '127.0.0.2' });
  assert.equal(r.status, 409);
  assert.equal((r.json as { code: string }).code, 'ERR_LOCKOUT');
  assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'still allowed');
  // A caller who is not allowed now (127.0.0.1) is not protected, so no lockout there.
  const dry = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?dryRun=true', { token: fx.token, body: put });
  assert.equal(dry.status, 200);
  const forced = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?force=true', { token: fx.token, body: put, localAddress: '127.0.0.2' });
  assert.equal(forced.status, 200, forced.text);
  assert.notEqual((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'now refused');
});

test('explain and whoami', async () => {
  const e = await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=127.0.0.9', { token: fx.token });
  assert.deepEqual(e.json, { address: '127.0.0.9', allowed: true, reason: 'egress', matched: '127.0.0.9/32' });
  const no = await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=192.0.2.1', { token: fx.token });
  assert.deepEqual(no.json, { address: '192.0.2.1', allowed: false, reason: 'not-authorized', matched: null });
  const bad = await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=192.0.2.01', { token: fx.token });
  assert.equal(bad.status, 400);
  const who = await adminRequest(fx.adminUrl, 'GET', '/v1/whoami', { token: fx.token, localAddress: '127.0.0.3' });
  assert.deepEqual(who.json, {
    address: '127.0.0.3', allowed: true, reason: 'authorized', matched: '127.0.0.3/32',
    seenBy: { listener: 'admin', peer: '127.0.0.3', proxyProtocol: false }, actor: 'default', scope: 'write', warnings: [],
  });
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/v1/nope', { token: fx.token })).status, 404);
  assert.equal((await adminRequest(fx.adminUrl, 'DELETE', '/v1/profile', { token: fx.token })).status, 405);
});
