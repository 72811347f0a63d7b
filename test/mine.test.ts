/**
 * `ipgate ranges add --mine` behind a balancer: the CLI reaches the HTTPS admin API through a relay that
 * connects from a trusted 127.0.0.5 and announces the client as 198.51.100.23 in a PROXY v2 header (as a
 * load balancer in front of both the gateway and the admin API does). `whoami` shows that address and via
 * whom; `--mine` adds it as a /32 with an expiry (8h by default) and a note naming the caller; the gateway
 * listener behind the same balancer then admits connections carried for that address.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { makeAdminCerts } from './helpers/admin-tls.js';
import { runIpgate } from './helpers/ipgate.js';
import { proxyV2, startRelay, type Relay } from './helpers/proxy-relay.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';

const CLIENT = '198.51.100.23';
const NO_CONTEXTS = { IPGATE_CONFIG_HOME: '/nonexistent/ipgate-config', IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONTEXT: '' };

let fx: GatewayFixture;
let relay: Relay;
let ca: string;

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0', proxyProtocol: { trustedFrom: ['127.0.0.5/32'], timeoutMs: 1000 } }],
    store: { file: 'profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    admin: {
      address: '127.0.0.1:0',
      tokenFile: 'admin.token',
      tls: { certFile: 'admin.crt', keyFile: 'admin.key' },
      proxyProtocol: { trustedFrom: ['127.0.0.5/32'] },
    },
  }), async (dir) => {
    const certs = await makeAdminCerts(dir);
    await copyFile(certs.server.cert, join(dir, 'admin.crt'));
    await copyFile(certs.server.key, join(dir, 'admin.key'));
    ca = certs.ca.cert;
  });
  relay = await startRelay(Number(new URL(fx.adminUrl).port), '127.0.0.5', CLIENT);
});
after(async () => {
  await relay.close();
  await fx.close();
});

const viaBalancer = (): string[] => ['--server', `https://127.0.0.1:${relay.port}`, '--token-file', join(fx.dir, 'admin.token'), '--cacert', ca];

/** A TLS request to the upstream through the gateway listener, as the balancer carries it for `client`. */
function throughGateway(client: string): Promise<string> {
  return new Promise((resolve) => {
    const raw = connect({ host: '127.0.0.1', port: fx.port(), localAddress: '127.0.0.5' }, () => {
      raw.write(proxyV2(client));
      const tls = tlsConnect({ socket: raw, ca: readFileSync(fx.upstream.cert), servername: 'localhost' }, () => {
        tls.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      tls.on('data', (d: Buffer) => (text += d.toString()));
      tls.on('error', () => resolve('refused'));
      tls.on('close', () => resolve(text.includes('gitVersion') ? 'allowed' : text === '' ? 'refused' : text));
    });
    raw.on('error', () => resolve('refused'));
  });
}

test('whoami through the balancer shows the carried address and the balancer', async () => {
  const r = await runIpgate(['whoami', ...viaBalancer(), '-o', 'json'], fx.dir, NO_CONTEXTS);
  assert.equal(r.code, 1, `refused for now: ${r.stderr}`);
  const body = JSON.parse(r.stdout) as { address: string; seenBy: unknown; warnings: unknown[] };
  assert.equal(body.address, CLIENT);
  assert.deepEqual(body.seenBy, { listener: 'admin', peer: '127.0.0.5', proxyProtocol: true });
  assert.deepEqual(body.warnings, []);
});

test('ranges add --mine adds the PROXY-carried address with an 8h expiry and a note naming the caller; the gateway then admits it', async () => {
  assert.equal(await throughGateway(CLIENT), 'refused', 'not admitted before');
  const started = Date.now();
  const add = await runIpgate(['ranges', 'add', '--mine', ...viaBalancer(), '-o', 'json'], fx.dir, NO_CONTEXTS);
  assert.equal(add.code, 0, add.stderr);
  assert.deepEqual((JSON.parse(add.stdout) as { added: string[] }).added, [`${CLIENT}/32`]);
  const show = await runIpgate(['ranges', 'show', ...viaBalancer(), '-o', 'json'], fx.dir, NO_CONTEXTS);
  const entries = (JSON.parse(show.stdout) as { authorizedIpRanges: (string | { range: string; note?: string; expires?: string })[] }).authorizedIpRanges;
  const mine = entries.find((e) => typeof e !== 'string' && e.range === `${CLIENT}/32`);
  assert.ok(mine !== undefined && typeof mine !== 'string', JSON.stringify(entries));
  const left = Date.parse(mine.expires ?? '') - started;
  assert.ok(left > 8 * 3600_000 - 60_000 && left <= 8 * 3600_000 + 60_000, `expires in about 8h (${left} ms)`);
  assert.match(mine.note ?? '', /default/, 'the note names the actor (the token "default")');
  assert.equal(await throughGateway(CLIENT), 'allowed');
  assert.equal(await throughGateway('198.51.100.24'), 'refused', 'nobody else');
});

test('--mine takes --expires and --note; it refuses other entries and --egress', async () => {
  const add = await runIpgate(['ranges', 'add', '--mine', '--expires', '30m', '--note', 'on call', ...viaBalancer(), '--dry-run', '-o', 'json'], fx.dir, NO_CONTEXTS);
  assert.equal(add.code, 0, add.stderr);
  const late = await runIpgate(['ranges', 'add', '--mine', '--expires', '2001-01-01T00:00:00Z', ...viaBalancer()], fx.dir, NO_CONTEXTS);
  assert.equal(late.code, 2);
  assert.match(late.stderr, /2001-01-01T00:00:00Z/);
  const both = await runIpgate(['ranges', 'add', '--mine', '203.0.113.9', ...viaBalancer()], fx.dir, NO_CONTEXTS);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--mine adds your own address.*ERR_USAGE/);
  const egress = await runIpgate(['ranges', 'add', '--mine', '--egress', ...viaBalancer()], fx.dir, NO_CONTEXTS);
  assert.equal(egress.code, 2);
  assert.match(egress.stderr, /--egress.*ERR_USAGE/);
});
