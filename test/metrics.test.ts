/**
 * /metrics of a real `ipgate serve` (Node listeners): the standard runtime metrics under their standard
 * names, the build info, the time of the last profile put in force, and refusals counted by reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, metricValue } from './helpers/clients.js';
import { ROOT } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { sleep, waitFor } from './helpers/wait.js';

let fx: GatewayFixture;
let startedAt: number;

before(async () => {
  startedAt = Date.now() / 1000;
  fx = await gatewayFixture(() => ({
    listeners: [
      { name: 'public', address: '127.0.0.1:0', enforce: true },
      { name: 'proxied', address: '127.0.0.1:0', enforce: true, proxyProtocol: { trustedFrom: ['127.0.0.9/32'] } },
    ],
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'], egressIpRanges: ['127.0.0.5/32'] },
  }));
});
after(async () => {
  await fx.close();
});

async function metrics(): Promise<string> {
  return (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
}

/** Opens a connection from `source` (sending `payload` first, if any) and closes it once judged. */
function touch(port: number, source: string, payload?: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: source });
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, 300);
    s.on('connect', () => {
      if (payload !== undefined) s.write(payload);
    });
    s.on('error', done);
    s.on('close', done);
  });
}

function count(text: string, listener: string, decision: string, reason: string): number | undefined {
  return metricValue(text, 'ipgate_connections_total', `{listener="${listener}",decision="${decision}",reason="${reason}"}`);
}

test('the runtime metrics have their standard names (process_*, nodejs_*), without the ipgate_ prefix', async () => {
  const text = await metrics();
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_total_bytes', 'nodejs_eventloop_lag_seconds']) {
    assert.ok(metricValue(text, name) !== undefined, `${name} in /metrics`);
  }
  assert.doesNotMatch(text, /^ipgate_(process|nodejs)_/m);
});

test('ipgate_build_info carries the version of package.json', async () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(metricValue(await metrics(), 'ipgate_build_info', `{version="${version}"}`), 1);
});

test('the last successful reload time is set at start and moves only when a new profile is put in force', async () => {
  const name = 'ipgate_profile_last_reload_success_timestamp_seconds';
  const atStart = metricValue(await metrics(), name) ?? 0;
  assert.ok(atStart >= startedAt - 1 && atStart <= Date.now() / 1000, `${atStart} is the start time`);
  await sleep(20);
  const bad = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['10.0.0.1/8'] } });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(metricValue(await metrics(), name), atStart, 'a refused change leaves it');
  const ok = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['127.0.0.7/32'] } });
  assert.equal(ok.status, 200, ok.text);
  const after = metricValue(await metrics(), name) ?? 0;
  assert.ok(after > atStart, `${after} > ${atStart}`);
  assert.ok(after <= Date.now() / 1000);
});

test('connections are counted by decision and reason: authorized, egress, not-authorized, egress-only, proxy-header-malformed', async () => {
  const port = fx.port('public');
  await touch(port, '127.0.0.2');
  await touch(port, '127.0.0.5');
  await touch(port, '127.0.0.3');
  await touch(fx.port('proxied'), '127.0.0.9', 'NOT A PROXY HEADER\r\n');
  let text = await waitFor(async () => {
    const t = await metrics();
    return count(t, 'public', 'refused', 'not-authorized') === 1 && count(t, 'proxied', 'refused', 'proxy-header-malformed') === 1 ? t : undefined;
  }, 3000, 'refusals counted');
  assert.equal(count(text, 'public', 'allowed', 'authorized'), 1, text);
  assert.equal(count(text, 'public', 'allowed', 'egress'), 1);
  assert.equal(count(text, 'public', 'refused', 'egress-only'), 0, 'known reasons start at 0');
  assert.equal(metricValue(text, 'ipgate_proxy_protocol_errors_total', '{listener="proxied",kind="malformed"}'), 1);

  const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?force=true', { token: fx.token, body: { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: ['127.0.0.5/32'] } });
  assert.equal(put.status, 200, put.text);
  await touch(port, '127.0.0.3');
  text = await waitFor(async () => {
    const t = await metrics();
    return count(t, 'public', 'refused', 'egress-only') === 1 ? t : undefined;
  }, 3000, 'egress-only refusal counted');
  assert.equal(count(text, 'public', 'refused', 'not-authorized'), 1);
  assert.equal(metricValue(text, 'ipgate_active_connections', '{listener="public"}'), 0);
});
