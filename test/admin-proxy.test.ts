/**
 * The PROXY protocol on the admin listener (`admin.proxyProtocol`), with raw sockets from chosen loopback
 * sources: a trusted balancer's header names the caller (whoami says which address and via whom), a trusted
 * peer without a valid header in time is refused, an untrusted peer's header is never believed.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { proxyV2 } from './helpers/proxy-relay.js';
import { portOf } from './helpers/admin-tls.js';
import { waitFor } from './helpers/wait.js';

let fx: GatewayFixture;

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32', '198.51.100.0/24'] },
    admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', proxyProtocol: { trustedFrom: ['127.0.0.5/32'], timeoutMs: 300 } },
  }));
});
after(() => fx.close());

interface Exchange {
  /** Everything the server sent before it closed (or the time limit). */
  readonly text: string;
  readonly status: number | undefined;
  readonly closedAfterMs: number;
}

/** Connects to the admin listener from `source`, writes `data` (in pieces, if several), collects the answer. */
function exchange(source: string, data: readonly (string | Buffer)[], limitMs = 3000): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port: portOf(fx.adminUrl), localAddress: source }, () => {
      for (const piece of data) socket.write(piece);
    });
    const timer = setTimeout(() => socket.destroy(), limitMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ text, status: status === undefined ? undefined : Number(status), closedAfterMs: Date.now() - started });
    });
  });
}

function request(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${fx.token}\r\nConnection: close\r\n\r\n`;
}

function bodyOf(e: Exchange): Record<string, unknown> {
  return JSON.parse(e.text.slice(e.text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

test("a trusted balancer's PROXY header (v2 and v1) names the caller; whoami says so and by whom", async () => {
  const v2 = await exchange('127.0.0.5', [Buffer.concat([proxyV2('198.51.100.23'), Buffer.from(request('/v1/whoami'))])]);
  assert.equal(v2.status, 200, v2.text);
  const body = bodyOf(v2);
  assert.equal(body['address'], '198.51.100.23');
  assert.equal(body['allowed'], true);
  assert.deepEqual(body['seenBy'], { listener: 'admin', peer: '127.0.0.5', proxyProtocol: true });
  // The header alone first, the request later: the bytes after the header are the request.
  const split = await exchange('127.0.0.5', [proxyV2('203.0.113.9'), request('/v1/whoami')]);
  assert.equal(bodyOf(split)['address'], '203.0.113.9');
  assert.equal(bodyOf(split)['allowed'], false);
  const v1 = await exchange('127.0.0.5', [`PROXY TCP4 192.0.2.44 127.0.0.1 51000 9090\r\n${request('/v1/whoami')}`]);
  assert.equal(bodyOf(v1)['address'], '192.0.2.44');
  // A LOCAL header (the balancer's own health check) leaves the balancer as the caller.
  const local = await exchange('127.0.0.5', [`PROXY UNKNOWN\r\n${request('/v1/whoami')}`]);
  assert.deepEqual(bodyOf(local)['seenBy'], { listener: 'admin', peer: '127.0.0.5', proxyProtocol: false });
  assert.equal(bodyOf(local)['address'], '127.0.0.5');
});

test('a trusted peer without a valid header in time is refused: no HTTP answer', async () => {
  const plain = await exchange('127.0.0.5', [request('/healthz')]);
  assert.equal(plain.status, undefined, `no answer to a request without a header: ${plain.text}`);
  const garbled = await exchange('127.0.0.5', ['PROXY TCP4 nonsense\r\n', request('/healthz')]);
  assert.equal(garbled.status, undefined);
  const silent = await exchange('127.0.0.5', []);
  assert.equal(silent.status, undefined);
  assert.ok(silent.closedAfterMs >= 250 && silent.closedAfterMs < 2500, `closed after the timeout (${silent.closedAfterMs} ms)`);
  await waitFor(() => fx.ipgate.logs().filter((l) => l['event'] === 'admin-proxy-header-refused').length >= 3, 2000, 'refusals logged');
  const line = fx.ipgate.logs().find((l) => l['event'] === 'admin-proxy-header-refused');
  assert.equal(line?.['peer'], '127.0.0.5');
});

test("an untrusted peer's header is never believed", async () => {
  const forged = await exchange('127.0.0.6', [Buffer.concat([proxyV2('198.51.100.23'), Buffer.from(request('/v1/whoami'))])]);
  assert.notEqual(forged.status, 200, 'the header is no HTTP: the request is refused, never read as coming from 198.51.100.23');
  assert.doesNotMatch(forged.text, /198\.51\.100\.23/);
  const direct = await exchange('127.0.0.6', [request('/v1/whoami')]);
  assert.equal(direct.status, 200);
  assert.equal(bodyOf(direct)['address'], '127.0.0.6');
  assert.deepEqual(bodyOf(direct)['seenBy'], { listener: 'admin', peer: '127.0.0.6', proxyProtocol: false });
});

test('lockout protection judges the carried address', async () => {
  // 198.51.100.23 is allowed by 198.51.100.0/24; removing that would lock out the caller the balancer announces.
  const patch = JSON.stringify({ remove: ['198.51.100.0/24'] });
  const head = `PATCH /v1/profile HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${fx.token}\r\nContent-Type: application/json\r\nContent-Length: ${patch.length}\r\nConnection: close\r\n\r\n${patch}`;
  const r = await exchange('127.0.0.5', [Buffer.concat([proxyV2('198.51.100.23'), Buffer.from(head)])]);
  assert.equal(r.status, 409, r.text);
  assert.equal(bodyOf(r)['code'], 'ERR_LOCKOUT');
  assert.match(String(bodyOf(r)['message']), /198\.51\.100\.23/);
});
