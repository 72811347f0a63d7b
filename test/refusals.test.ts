/**
 * `GET /v1/refusals` and `ipgate refusals`: the most recent refused sources per listener, fed by the Node
 * listeners' refusal path, with real curl clients from loopback sources; the bound of the ring; the HAProxy
 * data plane says it does not report refusals instead of answering an empty list.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { RefusalRing } from '../src/runtime/refusal-ring.js';
import { adminRequest, curlFrom } from './helpers/clients.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, haproxyGatewayFixture } from './helpers/setup.js';

const NO_CONTEXTS = { IPGATE_CONFIG_HOME: '/nonexistent/ipgate-config', IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONTEXT: '' };

interface Refusal {
  listener: string;
  address: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  reason: string;
  explain: { allowed: boolean; reason: string } | null;
}

test("refusals lists a refused curl's address per listener, with its count, times, reason and today's verdict", async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }, { name: 'office', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
  }));
  t.after(() => fx.close());
  const list = async (): Promise<{ supported: boolean; refusals: Refusal[] }> =>
    (await adminRequest(fx.adminUrl, 'GET', '/v1/refusals', { token: fx.token })).json as { supported: boolean; refusals: Refusal[] };

  assert.deepEqual(await list(), { supported: true, refusals: [] });
  assert.notEqual((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  assert.notEqual((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  assert.notEqual((await curlFrom('127.0.0.4', fx.port('office'), { cacert: fx.upstream.cert })).code, 0);
  assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'an allowed source is no refusal');

  const { supported, refusals } = await list();
  assert.equal(supported, true);
  assert.deepEqual(refusals.map((r) => [r.listener, r.address, r.count, r.reason]), [
    ['office', '127.0.0.4', 1, 'not-authorized'],
    ['public', '127.0.0.3', 2, 'not-authorized'],
  ]);
  const three = refusals.find((r) => r.address === '127.0.0.3');
  assert.ok(three !== undefined && Date.parse(three.lastSeen) >= Date.parse(three.firstSeen));
  assert.deepEqual(three.explain, { address: '127.0.0.3', allowed: false, reason: 'not-authorized', matched: null });

  const token = join(fx.dir, 'admin.token');
  const cli = await runIpgate(['refusals', '--server', fx.adminUrl, '--token-file', token], fx.dir, NO_CONTEXTS);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^LISTENER +ADDRESS +COUNT +FIRST SEEN +LAST SEEN +REASON +NOW$/m);
  assert.match(cli.stdout, /^public +127\.0\.0\.3 +2 +\S+ +\S+ +not-authorized +refused$/m);

  // Once the colleague's address is added, the list says it would now be allowed.
  const add = await runIpgate(['ranges', 'add', '127.0.0.3', '--server', fx.adminUrl, '--token-file', token], fx.dir, NO_CONTEXTS);
  assert.equal(add.code, 0, add.stderr);
  const json = await runIpgate(['refusals', '--server', fx.adminUrl, '--token-file', token, '-o', 'json'], fx.dir, NO_CONTEXTS);
  const now = (JSON.parse(json.stdout) as { refusals: Refusal[] }).refusals.find((r) => r.address === '127.0.0.3');
  assert.equal(now?.explain?.allowed, true);
  assert.match((await runIpgate(['refusals', '--server', fx.adminUrl, '--token-file', token], fx.dir, NO_CONTEXTS)).stdout, /127\.0\.0\.3 .* allowed$/m);
});

test('the ring holds at most its capacity of sources, pushing out the first added; counts and times follow each source', () => {
  const ring = new RefusalRing('public', 3);
  ring.record('192.0.2.1', 'not-authorized', 1000);
  ring.record('192.0.2.2', 'not-authorized', 2000);
  ring.record('192.0.2.1', 'egress-only', 3000);
  ring.record('192.0.2.3', 'not-authorized', 4000);
  ring.record('192.0.2.4', 'not-authorized', 5000);
  const held = ring.list();
  assert.deepEqual(held.map((r) => r.address), ['192.0.2.4', '192.0.2.3', '192.0.2.2'], '192.0.2.1 was added first: pushed out');
  ring.record('192.0.2.2', 'not-authorized', 6000);
  const two = ring.list()[0];
  assert.deepEqual([two?.address, two?.count, two?.firstSeen, two?.lastSeen], ['192.0.2.2', 2, 2000, 6000]);
  // Copies: the caller cannot change what the listener counts.
  if (two !== undefined) two.count = 99;
  assert.equal(ring.list()[0]?.count, 2);
});

test('with the HAProxy data plane, /v1/refusals says it does not report refusals (not "none")', async (t) => {
  const fx = await haproxyGatewayFixture(t);
  const port = fx.port();
  assert.notEqual((await curlFrom('127.0.0.3', port, { cacert: fx.upstream.cert })).code, 0);
  const r = await adminRequest(fx.adminUrl, 'GET', '/v1/refusals', { token: fx.token });
  const body = r.json as { supported: boolean; refusals: unknown[]; note: string };
  assert.equal(body.supported, false);
  assert.deepEqual(body.refusals, []);
  assert.match(body.note, /HAProxy/);
  const cli = await runIpgate(['refusals', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')], fx.dir, NO_CONTEXTS);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /does not report refused sources/);
});
