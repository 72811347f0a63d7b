/**
 * The gateway end to end with real parts: the TLS upstream, `ipgate serve` as a child process, curl from
 * chosen loopback sources, openssl s_client for long-lived connections, kubectl through the gateway.
 */
import assert from 'node:assert/strict';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, curlFrom, kubectlVersion, metricValue, opensslHold } from './helpers/clients.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';

let fx: GatewayFixture;

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [
      { name: 'public', address: '127.0.0.1:0', enforce: true },
      { name: 'internal', address: '127.0.0.1:0', enforce: false },
      { name: 'dual', address: '[::]:0', enforce: true },
    ],
    store: { file: 'state/profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32', '127.0.0.4/32', '127.0.0.5/32', '127.0.0.6/32'], egressIpRanges: [] },
  }));
});
after(async () => {
  await fx.close();
});

async function metrics(): Promise<string> {
  return (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
}

test('an authorized source gets through; a refused one is closed without an upstream dial', async () => {
  const ok = await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.body).gitVersion, 'v1.30.0-ipgate-demo');
  const dialsBefore = fx.upstreamConnections();
  const refused = await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /reset|SSL|closed|connect/i);
  assert.equal(fx.upstreamConnections(), dialsBefore, 'no upstream dial for a refused source');
  const m = await metrics();
  assert.ok((metricValue(m, 'ipgate_connections_total', '{listener="public",decision="refused",reason="not-authorized"}') ?? 0) >= 1, m);
  assert.ok((metricValue(m, 'ipgate_connections_total', '{listener="public",decision="allowed",reason="authorized"}') ?? 0) >= 1, m);
  const audit = await waitFor(() => fx.ipgate.logs().find((l) => l['type'] === 'audit' && l['source'] === '127.0.0.3'), 2000, 'audit line');
  assert.equal(audit['decision'], 'refused');
  assert.equal(audit['reason'], 'not-authorized');
  assert.equal(audit['listener'], 'public');
  assert.match(String(audit['time']), /^\d{4}-\d\d-\d\dT/);
});

test('a listener with enforce: false lets every source through', async () => {
  const r = await curlFrom('127.0.0.3', fx.port('internal'), { cacert: fx.upstream.cert });
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => fx.ipgate.logs().find((l) => l['listener'] === 'internal' && l['reason'] === 'not-enforced'), 2000, 'not-enforced audit');
});

test('kubectl get --raw /version through the gateway verifies the real server certificate', async () => {
  const r = await kubectlVersion(fx.port(), fx.upstream.cert);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).gitVersion, 'v1.30.0-ipgate-demo');
});

test('a dual-stack listener judges IPv4 clients as IPv4 and IPv6 clients as IPv6', async () => {
  const ok = await curlFrom('127.0.0.2', fx.port('dual'), { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  const v4refused = await curlFrom('127.0.0.3', fx.port('dual'), { cacert: fx.upstream.cert });
  assert.notEqual(v4refused.code, 0);
  const v6refused = await curlFrom('::1', fx.port('dual'), { cacert: fx.upstream.cert, host: '::1' });
  assert.notEqual(v6refused.code, 0);
  const dualAudit = await waitFor(() => {
    const lines = fx.ipgate.logs().filter((l) => l['type'] === 'audit' && l['listener'] === 'dual');
    return lines.length >= 3 ? lines : undefined;
  }, 2000, 'dual audit lines');
  assert.deepEqual(dualAudit.map((l) => [l['source'], l['decision']]), [['127.0.0.2', 'allowed'], ['127.0.0.3', 'refused'], ['::1', 'refused']]);
});

test('an admin PATCH that removes a source closes its open connection (revocation)', async () => {
  const held = opensslHold('127.0.0.4', fx.port(), fx.upstream.cert);
  await waitFor(async () => metricValue(await metrics(), 'ipgate_active_connections', '{listener="public"}') === 1, 3000, 'held connection');
  const started = Date.now();
  const r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { remove: ['127.0.0.4/32'] } });
  assert.equal(r.status, 200, r.text);
  await Promise.race([held.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('s_client still open')), 2000))]);
  assert.ok(Date.now() - started < 1000, 'revoked in well under a second');
  const m = await metrics();
  assert.equal(metricValue(m, 'ipgate_revoked_connections_total', '{listener="public"}'), 1);
  const refused = await curlFrom('127.0.0.4', fx.port(), { cacert: fx.upstream.cert });
  assert.notEqual(refused.code, 0);
});

test('editing the store file on disk is enforced and revokes open connections', async () => {
  const held = opensslHold('127.0.0.5', fx.port(), fx.upstream.cert);
  await waitFor(async () => metricValue(await metrics(), 'ipgate_active_connections', '{listener="public"}') === 1, 3000, 'held connection');
  const file = join(fx.dir, 'state/profile.json');
  const profile = JSON.parse(await readFile(file, 'utf8')) as { authorizedIpRanges: string[] };
  profile.authorizedIpRanges = profile.authorizedIpRanges.filter((e) => e !== '127.0.0.5/32');
  await writeFile(`${file}.new`, JSON.stringify(profile));
  await rename(`${file}.new`, file);
  await Promise.race([held.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('s_client still open')), 2000))]);
  const m = await metrics();
  assert.equal(metricValue(m, 'ipgate_revoked_connections_total', '{listener="public"}'), 2);
  assert.equal(metricValue(m, 'ipgate_profile_generation'), 3);
});

test('a corrupt store file is refused, counted, and the last good profile stays in force', async () => {
  const file = join(fx.dir, 'state/profile.json');
  const good = await readFile(file, 'utf8');
  const failuresBefore = metricValue(await metrics(), 'ipgate_profile_reload_failures_total') ?? 0;
  await writeFile(file, '{"authorizedIpRanges": ["0.0.0.0/0"');
  const line = await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'profile-rejected'), 2000, 'rejection log line');
  assert.equal(line['code'], 'ERR_STORE_INVALID');
  assert.match(String(line['path']), /profile\.json/);
  assert.match(String(line['problem']), /JSON/);
  assert.equal(metricValue(await metrics(), 'ipgate_profile_reload_failures_total'), failuresBefore + 1);
  assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code !== 0, true, 'still refused: never fail open');
  assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'still allowed');
  const get = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
  assert.deepEqual(get.json, JSON.parse(good));
  await writeFile(file, good);
});
