/**
 * PROXY protocol: HAProxy (send-proxy-v2) as the trusted balancer in front; forged headers from untrusted
 * peers are never believed; malformed or slow headers from trusted peers close the connection.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { adminRequest, curlFrom, metricValue } from './helpers/clients.js';
import { startHaproxy, type RunningHaproxy } from './helpers/haproxy.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';

let fx: GatewayFixture;
let haproxy: RunningHaproxy;

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0', proxyProtocol: { trustedFrom: ['127.0.0.1/32'], timeoutMs: 300 } }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] },
  }));
  haproxy = await startHaproxy(fx.dir, fx.port());
});
after(async () => {
  haproxy.child.kill('SIGKILL');
  await haproxy.exited;
  await fx.close();
});

async function metric(name: string, labels: string): Promise<number | undefined> {
  return metricValue((await adminRequest(fx.adminUrl, 'GET', '/metrics')).text, name, labels);
}

function audits(): Record<string, unknown>[] {
  return fx.ipgate.logs().filter((l) => l['type'] === 'audit');
}

/** Connects from `source`, writes `data`, resolves when the gateway closes the connection. */
function rawConnection(source: string, data: string | Buffer): Promise<{ closedAfterMs: number; socket: Socket }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port: fx.port(), localAddress: source }, () => {
      if (data.length > 0) socket.write(data);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ closedAfterMs: Date.now() - started, socket }));
    socket.resume();
  });
}

test('behind HAProxy with send-proxy-v2, clients are judged by the address HAProxy carries', async () => {
  // HAProxy's readiness probe went through too: count only what follows.
  await new Promise((r) => setTimeout(r, 100));
  const start = audits().length;
  const ok = await curlFrom('127.0.0.2', haproxy.port, { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.body).major, '1');
  const refused = await curlFrom('127.0.0.3', haproxy.port, { cacert: fx.upstream.cert });
  assert.notEqual(refused.code, 0);
  const lines = await waitFor(() => (audits().length >= start + 2 ? audits().slice(start) : undefined), 2000, 'audit lines');
  assert.deepEqual(lines.slice(0, 2).map((l) => [l['source'], l['decision']]), [['127.0.0.2', 'allowed'], ['127.0.0.3', 'refused']]);
});

test('a forged PROXY header from an untrusted peer is not believed', async () => {
  const before = audits().length;
  const r = await rawConnection('127.0.0.3', 'PROXY TCP4 127.0.0.2 127.0.0.1 40000 6443\r\n');
  assert.ok(r.closedAfterMs < 1000);
  const line = await waitFor(() => audits()[before], 2000, 'audit line');
  assert.equal(line['source'], '127.0.0.3');
  assert.equal(line['decision'], 'refused');
});

test('a trusted peer with a valid v1 header: the carried source decides, the stream after it is passed on', async () => {
  const ca = await readFile(fx.upstream.cert);
  const raw = connect({ host: '127.0.0.1', port: fx.port(), localAddress: '127.0.0.1' });
  await new Promise((resolve) => raw.once('connect', resolve));
  raw.write('PROXY TCP4 127.0.0.2 127.0.0.1 40001 6443\r\n');
  const tls = tlsConnect({ socket: raw, ca, servername: 'localhost' });
  const body = await new Promise<string>((resolve, reject) => {
    let text = '';
    tls.on('secureConnect', () => tls.write('GET /version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    tls.on('data', (d: Buffer) => (text += d.toString()));
    tls.on('end', () => resolve(text));
    tls.on('error', reject);
  });
  assert.match(body, /"gitVersion"/);
  const refused = await rawConnection('127.0.0.1', 'PROXY TCP4 127.0.0.3 127.0.0.1 40002 6443\r\n');
  assert.ok(refused.closedAfterMs < 1000);
});

test('a malformed header from a trusted peer is closed and counted', async () => {
  const r = await rawConnection('127.0.0.1', 'GET / HTTP/1.1\r\n\r\n');
  assert.ok(r.closedAfterMs < 250, `closed after ${r.closedAfterMs} ms`);
  assert.equal(await metric('ipgate_proxy_protocol_errors_total', '{listener="public",kind="malformed"}'), 1);
});

test('a slow header from a trusted peer is closed after the timeout and counted', async () => {
  const r = await rawConnection('127.0.0.1', 'PROXY TCP4 127.0');
  assert.ok(r.closedAfterMs >= 250 && r.closedAfterMs < 2000, `closed after ${r.closedAfterMs} ms`);
  assert.equal(await metric('ipgate_proxy_protocol_errors_total', '{listener="public",kind="timeout"}'), 1);
});
