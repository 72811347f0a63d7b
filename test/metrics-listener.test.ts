/**
 * The metrics listener (`metrics: { address }`): /metrics, /healthz and /readyz without a token (what
 * Prometheus and a load balancer's health check use), nothing else; the admin API's /metrics then needs a
 * token. Without it, the admin API keeps serving /metrics without one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminRequest, metricValue } from './helpers/clients.js';
import { curl } from './helpers/admin-tls.js';
import { gatewayFixture } from './helpers/setup.js';

const BASE = { listeners: [{ name: 'public', address: '127.0.0.1:0' }], profile: { authorizedIpRanges: ['127.0.0.2/32', '127.0.0.9/32'] } };

test('metrics listener: metrics, health and readiness without a token; the admin /metrics needs one', async (t) => {
  const fx = await gatewayFixture(() => ({ ...BASE, metrics: { address: '127.0.0.1:0' } }));
  t.after(() => fx.close());
  const metricsUrl = fx.ipgate.metricsUrl ?? '';
  assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+$/, fx.ipgate.stdout());
  assert.notEqual(metricsUrl, fx.adminUrl);

  const scrape = await curl(['-f', `${metricsUrl}/metrics`]);
  assert.equal(scrape.code, 0, scrape.stderr);
  assert.equal(metricValue(scrape.stdout, 'ipgate_profile_entries', '{list="authorized"}'), 2);
  assert.equal(JSON.parse((await curl(['-f', `${metricsUrl}/healthz`])).stdout).status, 'ok');
  assert.equal(JSON.parse((await curl(['-f', `${metricsUrl}/readyz`])).stdout).status, 'ready');
  const profile = await curl(['-w', '%{http_code}', '-o', '/dev/null', '-H', `Authorization: Bearer ${fx.token}`, `${metricsUrl}/v1/profile`]);
  assert.equal(profile.stdout, '404', 'the metrics listener serves nothing else, not even with a token');

  const noToken = await adminRequest(fx.adminUrl, 'GET', '/metrics');
  assert.equal(noToken.status, 401);
  assert.equal((noToken.json as { code: string }).code, 'ERR_UNAUTHORIZED');
  const withToken = await adminRequest(fx.adminUrl, 'GET', '/metrics', { token: fx.token });
  assert.equal(withToken.status, 200);
  assert.equal(metricValue(withToken.text, 'ipgate_profile_entries', '{list="authorized"}'), 2);
  // Health and readiness stay open on the admin API (load balancers probe it).
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/healthz')).status, 200);
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/readyz')).status, 200);
});

test('without a metrics listener, the admin API serves /metrics without a token, as before', async (t) => {
  const fx = await gatewayFixture(() => BASE);
  t.after(() => fx.close());
  assert.equal(fx.ipgate.metricsUrl, undefined);
  const open = await adminRequest(fx.adminUrl, 'GET', '/metrics');
  assert.equal(open.status, 200);
  assert.match(open.text, /ipgate_build_info/);
});
