/**
 * PROXY protocol in the managed HAProxy data plane: a real front HAProxy (send-proxy-v2, from 127.0.0.1) is
 * the trusted balancer; ipgate's managed HAProxy must judge its clients by the carried address, never believe
 * a header from any other peer (that peer is judged by its own address, and its header bytes are just data),
 * and close a trusted peer that does not open with a valid header. Same behaviour as the Node gateway's
 * test/gateway-proxy.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { curlFrom } from './helpers/clients.js';
import { freePort, startHaproxy, type RunningHaproxy } from './helpers/haproxy.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { sleep } from './helpers/wait.js';

const TRUSTED = '127.0.0.1'; // the front balancer (startHaproxy connects from here); not itself authorized
const ALLOWED = '127.0.0.2';
const REFUSED = '127.0.0.3';
const ALLOWED_UNTRUSTED = '127.0.0.4'; // authorized, but its PROXY headers are not believed
const HEADER_TIMEOUT_MS = 1000;

let fx: GatewayFixture;
let port: number;
let front: RunningHaproxy;
let ca: Buffer;
let tlsErrors = 0;

/** Undone in reverse order after the tests, also when `before` fails half-way. */
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  port = await freePort();
  fx = await gatewayFixture((dir) => ({
    listeners: [{ name: 'public', address: `127.0.0.1:${port}`, proxyProtocol: { trustedFrom: [`${TRUSTED}/32`], timeoutMs: HEADER_TIMEOUT_MS } }],
    profile: { authorizedIpRanges: [`${ALLOWED}/32`, `${ALLOWED_UNTRUSTED}/32`], egressIpRanges: [] },
    dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(dir, 'hx') },
  }));
  cleanups.push(async () => {
    // SIGTERM so ipgate stops its HAProxy child too.
    if (fx.ipgate.child.exitCode === null) await fx.ipgate.stop('SIGTERM');
    await fx.close();
  });
  fx.upstream.server.on('tlsClientError', () => tlsErrors++);
  front = await startHaproxy(fx.dir, port);
  cleanups.push(async () => {
    front.child.kill('SIGKILL');
    await front.exited;
  });
  ca = await readFile(fx.upstream.cert);
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Connects from `source`, writes `data`, resolves when the far side closes the connection. */
function rawConnection(source: string, data: string | Buffer): Promise<{ closedAfterMs: number; received: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let received = 0;
    const socket = connect({ host: '127.0.0.1', port, localAddress: source }, () => {
      if (data.length > 0) socket.write(data);
    });
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', () => undefined);
    // A connection still open after 10 s counts as never closed by the gateway (the callers expect far less).
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('close', () => resolve({ closedAfterMs: Date.now() - started, received }));
  });
}

/**
 * From `source`: writes `header`, then runs TLS + `GET /version` over the same connection, the request sent
 * `idleMs` after the handshake.
 */
function tlsAfterHeader(source: string, header: string | Buffer, idleMs = 0): Promise<{ body: string } | { error: string }> {
  return new Promise((resolve) => {
    const raw: Socket = connect({ host: '127.0.0.1', port, localAddress: source }, () => {
      raw.write(header);
      const tls = tlsConnect({ socket: raw, ca, servername: 'localhost' });
      let text = '';
      let secured = false;
      tls.on('secureConnect', () => {
        secured = true;
        setTimeout(() => tls.write('GET /version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), idleMs);
      });
      tls.on('data', (d: Buffer) => (text += d.toString()));
      tls.on('end', () => resolve(secured ? { body: text } : { error: 'closed before the TLS handshake completed' }));
      tls.on('error', (e: Error) => resolve({ error: e.message }));
      tls.setTimeout(5000 + idleMs, () => {
        tls.destroy();
        resolve({ error: 'timeout' });
      });
    });
    raw.on('error', (e: Error) => resolve({ error: e.message }));
  });
}

function v1(source: string, sourcePort: number): string {
  return `PROXY TCP4 ${source} 127.0.0.1 ${sourcePort} ${port}\r\n`;
}

/** A PROXY v2 PROXY/TCP4 header carrying `source`. */
function v2(source: string): Buffer {
  const signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  const rest = Buffer.alloc(4 + 12);
  rest[0] = 0x21;
  rest[1] = 0x11;
  rest.writeUInt16BE(12, 2);
  Buffer.from(source.split('.').map(Number)).copy(rest, 4);
  Buffer.from([127, 0, 0, 1]).copy(rest, 8);
  rest.writeUInt16BE(40000, 12);
  rest.writeUInt16BE(port, 14);
  return Buffer.concat([signature, rest]);
}

test('the rendered config makes HAProxy expect PROXY headers from trusted peers only', async () => {
  const config = await readFile(join(fx.dir, 'hx', 'haproxy.cfg'), 'utf8');
  assert.match(config, /tcp-request connection expect-proxy layer4 if \S/);
  assert.match(config, /tcp-request session reject/);
  assert.match(config, new RegExp(`timeout client ${HEADER_TIMEOUT_MS}ms`));
  const trusted = await readFile(join(fx.dir, 'hx', 'trusted-public.map'), 'utf8');
  assert.match(trusted, /^127\.0\.0\.1\/32 4$/m);
});

test('through the trusted front balancer, clients are judged by the carried address', async () => {
  const ok = await curlFrom(ALLOWED, front.port, { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.body, /gitVersion/);
  const before = fx.upstreamConnections();
  const refused = await curlFrom(REFUSED, front.port, { cacert: fx.upstream.cert });
  assert.notEqual(refused.code, 0, 'a source outside the profile is refused behind the balancer');
  // The front balancer itself (127.0.0.1) is not authorized: if its own address were judged, ALLOWED would fail.
  assert.equal(fx.upstreamConnections(), before, 'a refused carried source never reaches the upstream');
});

test('a trusted peer with a valid header: the carried source decides and the stream after it is passed on', async () => {
  for (const header of [v1(ALLOWED, 40001), v2(ALLOWED)]) {
    const r = await tlsAfterHeader(TRUSTED, header);
    assert.ok('body' in r, `TLS after a header carrying an allowed source: ${JSON.stringify(r)}`);
    assert.match(r.body, /"gitVersion"/);
  }
  const before = fx.upstreamConnections();
  for (const header of [v1(REFUSED, 40002), v2(REFUSED)]) {
    const r = await rawConnection(TRUSTED, header);
    assert.ok(r.closedAfterMs < 1000, `closed after ${r.closedAfterMs} ms`);
    assert.equal(r.received, 0);
  }
  // LOCAL / UNKNOWN carry no client: the peer's own (unauthorized) address decides, as in the Node gateway.
  const local = await rawConnection(TRUSTED, 'PROXY UNKNOWN\r\n');
  assert.ok(local.closedAfterMs < 1000, `closed after ${local.closedAfterMs} ms`);
  assert.equal(fx.upstreamConnections(), before);
});

test('a forged PROXY header from an untrusted, unauthorized peer is not believed: refused', async () => {
  const before = fx.upstreamConnections();
  for (const header of [v1(ALLOWED, 40003), v2(ALLOWED)]) {
    const r = await rawConnection(REFUSED, header);
    assert.ok(r.closedAfterMs < 1000, `closed after ${r.closedAfterMs} ms`);
    assert.equal(r.received, 0);
  }
  const tls = await tlsAfterHeader(REFUSED, v1(ALLOWED, 40004));
  assert.ok('error' in tls, 'no TLS session for a forged header');
  const curl = await curlFrom(REFUSED, port, { cacert: fx.upstream.cert });
  assert.notEqual(curl.code, 0);
  assert.equal(fx.upstreamConnections(), before, 'nothing from the untrusted peer reaches the upstream');
});

test('from an untrusted but authorized peer, a PROXY header is not interpreted: its bytes reach the upstream as data', async () => {
  // Plain TLS from this peer works (judged by its own address, no header expected).
  const direct = await curlFrom(ALLOWED_UNTRUSTED, port, { cacert: fx.upstream.cert });
  assert.equal(direct.code, 0, direct.stderr);
  const before = fx.upstreamConnections();
  const errorsBefore = tlsErrors;
  // Had HAProxy consumed the header, the TLS handshake after it would succeed (as from the trusted peer above).
  const r = await tlsAfterHeader(ALLOWED_UNTRUSTED, v1(REFUSED, 40005));
  assert.ok('error' in r, `the header must not be stripped: ${JSON.stringify(r)}`);
  assert.equal(fx.upstreamConnections(), before + 1, 'the connection was forwarded');
  for (let i = 0; i < 100 && tlsErrors === errorsBefore; i++) await sleep(20);
  assert.equal(tlsErrors, errorsBefore + 1, 'the upstream received the header bytes as (non-TLS) data');
});

test('a trusted peer that does not open with a valid header is closed without reaching the upstream', async () => {
  const before = fx.upstreamConnections();
  for (const garbage of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'PROXY TCP4 127.0.0.2 nonsense\r\n', 'PROXY TCP5 127.0.0.2 127.0.0.1 1 2\r\n']) {
    const r = await rawConnection(TRUSTED, garbage);
    assert.ok(r.closedAfterMs < 1000, `${JSON.stringify(garbage)}: closed after ${r.closedAfterMs} ms`);
    assert.equal(r.received, 0);
  }
  // No header at all: the TLS ClientHello is not a PROXY header.
  const curl = await curlFrom(TRUSTED, port, { cacert: fx.upstream.cert });
  assert.notEqual(curl.code, 0);
  assert.equal(fx.upstreamConnections(), before);
});

test('a trusted peer that sends no header is closed after proxyProtocol.timeoutMs, not after the idle timeout', async () => {
  const before = fx.upstreamConnections();
  const r = await rawConnection(TRUSTED, '');
  assert.ok(r.closedAfterMs >= HEADER_TIMEOUT_MS - 100 && r.closedAfterMs < HEADER_TIMEOUT_MS + 2000, `closed after ${r.closedAfterMs} ms`);
  assert.equal(r.received, 0);
  assert.equal(fx.upstreamConnections(), before);
});

test('a connection passed through stays open while idle for longer than the header timeout', async () => {
  const r = await tlsAfterHeader(TRUSTED, v2(ALLOWED), HEADER_TIMEOUT_MS * 2.5);
  assert.ok('body' in r, `idle connection after the header: ${JSON.stringify(r)}`);
  assert.match(r.body, /"gitVersion"/);
});
