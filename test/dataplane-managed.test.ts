/**
 * Managed mode: `ipgate serve` writes HAProxy's config, runs it (real HAProxy 2.6) and applies every profile
 * change through the runtime API. Real curl / openssl / wrk clients from loopback sources.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, curlFrom, metricValue, opensslHold } from './helpers/clients.js';
import { freePort } from './helpers/haproxy.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { sleep, waitFor } from './helpers/wait.js';

let fx: GatewayFixture;
let port: number;

before(async () => {
  port = await freePort();
  fx = await gatewayFixture((dir) => ({
    listeners: [{ name: 'public', address: `127.0.0.1:${port}` }],
    store: { file: 'profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'], egressIpRanges: ['127.0.0.10/32'] },
    dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(dir, 'hx') },
  }));
});
after(async () => {
  if (fx.ipgate.child.exitCode === null) await fx.ipgate.stop('SIGTERM');
  await fx.close();
});

const ca = (): string => fx.upstream.cert;
const patch = (body: unknown, force = true) => adminRequest(fx.adminUrl, 'PATCH', `/v1/profile${force ? '?force=true' : ''}`, { token: fx.token, body });

test('HAProxy (not ipgate) listens; allowed sources reach the upstream, others are refused', async () => {
  assert.match(fx.ipgate.stdout(), new RegExp(`listener public on 127\\.0\\.0\\.1:${port} \\(enforced\\)`));
  const config = await readFile(join(fx.dir, 'hx', 'haproxy.cfg'), 'utf8');
  assert.match(config, /map_ip\(/);
  const ok = await curlFrom('127.0.0.2', port, { cacert: ca() });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.body, /gitVersion/);
  const egress = await curlFrom('127.0.0.10', port, { cacert: ca() });
  assert.equal(egress.code, 0, egress.stderr);
  const before = fx.upstreamConnections();
  const denied = await curlFrom('127.0.0.3', port, { cacert: ca() });
  assert.notEqual(denied.code, 0);
  assert.equal(fx.upstreamConnections(), before, 'a refused source never reaches the upstream');
});

test('a profile change is in force when the admin API answers, and the map file on disk follows', async () => {
  const res = await patch({ add: ['127.0.0.3/32'] });
  assert.equal(res.status, 200, res.text);
  assert.equal((await curlFrom('127.0.0.3', port, { cacert: ca() })).code, 0);
  const map = await readFile(join(fx.dir, 'hx', 'allow.map'), 'utf8');
  assert.match(map, /^127\.0\.0\.2\/31 4$/m);
  const res2 = await patch({ remove: ['127.0.0.3/32'] });
  assert.equal(res2.status, 200, res2.text);
  assert.notEqual((await curlFrom('127.0.0.3', port, { cacert: ca() })).code, 0);
});

test('revocation: an open openssl s_client from a source that is removed is shut down', async () => {
  const held = opensslHold('127.0.0.2', port, ca());
  await waitFor(() => held.stderr().includes('verify return:1') || held.stdout().length > 0 || undefined, 5000, 'TLS handshake').catch(() => undefined);
  await sleep(200);
  assert.equal(held.child.exitCode, null, 'connection open');
  const res = await patch({ remove: ['127.0.0.2/32'] });
  assert.equal(res.status, 200, res.text);
  await Promise.race([held.exited, sleep(3000).then(() => assert.fail('openssl was not disconnected'))]);
  const metrics = (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
  assert.ok((metricValue(metrics, 'ipgate_haproxy_revoked_sessions_total') ?? 0) >= 1, metrics);
  assert.equal((await patch({ add: ['127.0.0.2/32'] })).status, 200);
});

test('metrics expose HAProxy counters; readyz follows HAProxy; a killed HAProxy is restarted with the list intact', async () => {
  await patch({ add: ['127.0.0.7/32'] });
  let metrics = (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
  assert.equal(metricValue(metrics, 'ipgate_haproxy_up'), 1);
  assert.ok((metricValue(metrics, 'ipgate_haproxy_connections_total', '{frontend="ipgate-public",decision="refused"}') ?? 0) >= 1, metrics);
  assert.ok((metricValue(metrics, 'ipgate_haproxy_connections_total', '{frontend="ipgate-public",decision="allowed"}') ?? 0) >= 1);
  // The same numbers under the names both data planes share, by ipgate listener.
  const shared = (decision: string): number | undefined => metricValue(metrics, 'ipgate_connections_total', `{listener="public",decision="${decision}"}`);
  assert.equal(shared('refused'), metricValue(metrics, 'ipgate_haproxy_connections_total', '{frontend="ipgate-public",decision="refused"}'), metrics);
  assert.equal(shared('allowed'), metricValue(metrics, 'ipgate_haproxy_connections_total', '{frontend="ipgate-public",decision="allowed"}'), metrics);
  assert.equal(metricValue(metrics, 'ipgate_active_connections', '{listener="public"}'), metricValue(metrics, 'ipgate_haproxy_current_sessions', '{frontend="ipgate-public"}'), metrics);
  const pid = Number((await readFile(join(fx.dir, 'hx', 'haproxy.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await adminRequest(fx.adminUrl, 'GET', '/readyz')).status === 503, 3000, 'readyz 503 while HAProxy is down');
  await waitFor(async () => (await adminRequest(fx.adminUrl, 'GET', '/readyz')).status === 200, 8000, 'readyz 200 after restart');
  const newPid = Number((await readFile(join(fx.dir, 'hx', 'haproxy.pid'), 'utf8')).trim());
  assert.notEqual(newPid, pid);
  await waitFor(async () => (await curlFrom('127.0.0.7', port, { cacert: ca() })).code === 0, 5000, 'added source allowed after restart');
  assert.notEqual((await curlFrom('127.0.0.8', port, { cacert: ca() })).code, 0);
  metrics = (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
  assert.equal(metricValue(metrics, 'ipgate_haproxy_restarts_total'), 1);
});

test('updates under load: wrk from an allowed source sees zero failed requests during swaps', async () => {
  const wrk = new Promise<string>((resolve) => {
    execFile('wrk', ['-t1', '-c8', '-d3s', `https://127.0.0.1:${port}/version`], (_e, stdout, stderr) => resolve(stdout + stderr));
  });
  for (let i = 0; i < 10; i++) {
    assert.equal((await patch({ add: [`127.0.1.${i}/32`] })).status, 200);
    await sleep(100);
  }
  const out = await wrk;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? '0');
  assert.ok(requests > 0, out);
  assert.doesNotMatch(out, /Socket errors/, out);
  assert.doesNotMatch(out, /Non-2xx/, out);
});

test('SIGTERM stops HAProxy too', async () => {
  const pid = Number((await readFile(join(fx.dir, 'hx', 'haproxy.pid'), 'utf8')).trim());
  assert.equal(await fx.ipgate.stop('SIGTERM'), 0);
  assert.throws(() => process.kill(pid, 0));
});
