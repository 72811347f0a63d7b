/**
 * The nftables data plane for real, in a network namespace of the test's own: `ipgate serve` writes
 * `table inet ipgate`, the kernel refuses what the profile refuses (real curl and openssl s_client from
 * 127.0.0.N against the demo TLS upstream), changes are in force when the admin API answers, open sessions
 * of removed sources are cut, hand edits are found and repaired, and a killed ipgate leaves the rules in force.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { metricValue } from './helpers/clients.js';
import { BIN } from './helpers/ipgate.js';
import { nftFixture, type NftFixture } from './helpers/nft-fixture.js';
import { sleep, waitFor } from './helpers/wait.js';

const PUBLIC = 8443;
const INTERNAL = 8444;
let fx: NftFixture;

before(async () => {
  fx = await nftFixture({
    ports: [PUBLIC, INTERNAL],
    config: {
      listeners: [
        { name: 'public', address: `127.0.0.1:${PUBLIC}` },
        { name: 'internal', address: `127.0.0.1:${INTERNAL}`, enforce: false },
      ],
      store: { file: 'profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: ['127.0.0.10/32'] },
      auditLog: 'audit.log',
      dataplane: { type: 'nftables', verifyIntervalMs: 300, log: { group: 5, perSecond: 50 } },
    },
  });
});
after(async () => {
  await fx?.close();
});

const nft = async (...args: string[]): Promise<string> => (await fx.ns.must('nft', args)).stdout;
const ok = async (source: string, port = PUBLIC): Promise<boolean> => (await fx.curl(source, port)).code === 0;

test('the kernel refuses what the profile refuses; allowed sources reach the service; enforce: false gets no rule', async () => {
  assert.match(fx.ipgate.stdout(), /listener public on 127\.0\.0\.1:8443 \(enforced\) -> kernel rules \(nftables\)/);
  const allowed = await fx.curl('127.0.0.2', PUBLIC);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.body, /gitVersion/);
  assert.equal(await ok('127.0.0.10'), true, 'egress range');
  const refused = await fx.curl('127.0.0.3', PUBLIC);
  assert.equal(refused.code, 7, `reset by the kernel: ${refused.stderr}`);
  assert.equal(await ok('127.0.0.3', INTERNAL), true, 'the not-enforced listener lets everyone through');
  const table = await nft('list', 'table', 'inet', 'ipgate');
  assert.match(table, /dport 8443 jump listener_0/);
  assert.doesNotMatch(table, /8444/);
  assert.match(table, /reject with tcp reset/);
});

test('refusals the kernel logs to the NFLOG group reach the audit log, with ipgate\'s reason', async () => {
  assert.notEqual((await fx.curl('127.0.0.77', PUBLIC)).code, 0);
  const line = await waitFor(async () => {
    const text = await readFile(join(fx.dir, 'audit.log'), 'utf8').catch(() => '');
    return text.split('\n').find((l) => l.includes('"127.0.0.77"'));
  }, 5000, 'audit line');
  const entry = JSON.parse(line) as Record<string, unknown>;
  assert.equal(entry['listener'], 'public');
  assert.equal(entry['decision'], 'refused');
  assert.equal(entry['reason'], 'not-authorized');
  assert.ok((metricValue(await fx.metrics(), 'ipgate_nft_logged_refusals_total') ?? 0) >= 1);
});

test('a change is in force when PATCH answers (only the small sets change), and read back', async () => {
  const added = await fx.patch({ add: ['127.0.0.3/32'] });
  assert.equal(added.status, 200, added.text);
  assert.equal(await ok('127.0.0.3'), true);
  assert.match(await nft('list', 'set', 'inet', 'ipgate', 'added_v4'), /127\.0\.0\.3/);
  assert.doesNotMatch(await nft('list', 'set', 'inet', 'ipgate', 'allow_v4'), /127\.0\.0\.3/);
  const removed = await fx.patch({ remove: ['127.0.0.3/32'] });
  assert.equal(removed.status, 200, removed.text);
  assert.equal(await ok('127.0.0.3'), false);
  const applied = fx.ipgate.logs().filter((l) => l['event'] === 'nft-applied');
  assert.ok(applied.length >= 2 && applied.every((l) => l['kind'] === 'delta'), JSON.stringify(applied));
  const replaced = await fx.admin('PUT', '/v1/profile?force=true', { authorizedIpRanges: ['127.0.0.2/32', '127.0.0.4/31'], egressIpRanges: ['127.0.0.10/32'] });
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(await ok('127.0.0.5'), true);
  assert.equal(await ok('127.0.0.6'), false);
});

test('revocation: an open openssl s_client from a source that is removed is cut (the time is reported)', async (t) => {
  const held = fx.ns.spawn('openssl', ['s_client', '-bind', '127.0.0.4:0', '-connect', `127.0.0.1:${PUBLIC}`, '-CAfile', fx.cert, '-verify_return_error', '-quiet']);
  await waitFor(() => held.stderr().includes('verify return:1'), 5000, 'TLS handshake');
  await sleep(200);
  assert.equal(held.child.exitCode, null, 'the session is open');
  const started = Date.now();
  const res = await fx.patch({ remove: ['127.0.0.4/31'] });
  assert.equal(res.status, 200, res.text);
  await Promise.race([held.exited, sleep(5000).then(() => assert.fail('openssl was not disconnected'))]);
  t.diagnostic(`session cut ${Date.now() - started} ms after the PATCH was sent`);
  assert.match(held.stderr(), /errno=104|reset|closed/i, held.stderr());
  const metrics = await fx.metrics();
  assert.equal(metricValue(metrics, 'ipgate_revoked_connections_total', '{listener="public"}'), 1, metrics);
});

test('a hand edit of a set or a rule is found, logged as ERR_NFT_DRIFT, counted and repaired', async () => {
  const drifts = (): Record<string, unknown>[] => fx.ipgate.logs().filter((l) => l['event'] === 'nft-drift');
  const before = drifts().length;
  await nft('delete', 'element', 'inet', 'ipgate', 'allow_v4', '{ 127.0.0.2 }');
  await waitFor(() => drifts().length > before, 3000, 'drift found');
  assert.match(String(drifts().at(-1)?.['problem']), /allow_v4 lacks 127\.0\.0\.2/);
  assert.equal(drifts().at(-1)?.['code'], 'ERR_NFT_DRIFT');
  assert.equal(await ok('127.0.0.2'), true, 'repaired');
  await nft('add', 'element', 'inet', 'ipgate', 'allow_v4', '{ 127.0.0.66 }');
  await waitFor(() => drifts().length > before + 1, 3000, 'added element found');
  assert.match(String(drifts().at(-1)?.['problem']), /holds 127\.0\.0\.66/);
  assert.equal(await ok('127.0.0.66'), false);
  await nft('insert', 'rule', 'inet', 'ipgate', 'input', 'accept');
  await waitFor(() => drifts().length > before + 2, 3000, 'rule change found');
  assert.match(String(drifts().at(-1)?.['problem']), /rules/);
  assert.equal(await ok('127.0.0.3'), false, 'the inserted accept rule is gone');
  const metrics = await fx.metrics();
  assert.ok((metricValue(metrics, 'ipgate_nft_drift_total') ?? 0) >= 3, metrics);
  assert.ok((metricValue(metrics, 'ipgate_nft_repairs_total') ?? 0) >= 3, metrics);
});

test('metrics come from the kernel counters, under the names every data plane uses', async () => {
  const metrics = await fx.metrics();
  assert.ok((metricValue(metrics, 'ipgate_connections_total', '{listener="public",decision="allowed"}') ?? 0) >= 3, metrics);
  assert.ok((metricValue(metrics, 'ipgate_connections_total', '{listener="public",decision="refused"}') ?? 0) >= 3, metrics);
  assert.equal(metricValue(metrics, 'ipgate_nft_up'), 1);
  assert.equal(metricValue(metrics, 'ipgate_nft_applied_generation'), metricValue(metrics, 'ipgate_profile_generation'));
});

test('a table deleted by hand: a change is answered 502 with nft\'s own message, and the table is written again', async () => {
  await nft('delete', 'table', 'inet', 'ipgate');
  const res = await fx.patch({ add: ['127.0.0.7/32'] });
  if (res.status === 502) {
    const body = res.json as { code?: string; message?: string };
    assert.equal(body.code, 'ERR_NFT_REFUSED', res.text);
    assert.match(body.message ?? '', /nft refused the change for table inet ipgate; nft says: .*No such file or directory/);
  } else {
    // The periodic read-back repaired the table before the change reached nft.
    assert.equal(res.status, 200, res.text);
  }
  await waitFor(async () => (await fx.ns.exec('nft', ['list', 'table', 'inet', 'ipgate'])).code === 0, 5000, 'table written again');
  await waitFor(async () => ok('127.0.0.7'), 5000, 'the change in force after the repair');
  assert.equal(await ok('127.0.0.8'), false);
});

test('killed with SIGKILL, ipgate leaves the rules in force; `ipgate nft remove` takes them down', async () => {
  assert.equal(await fx.ipgate.stop('SIGKILL'), 'SIGKILL');
  assert.equal(await ok('127.0.0.8'), false, 'still refused with ipgate gone');
  assert.equal(await ok('127.0.0.2'), true);
  const removed = await fx.ns.exec(process.execPath, [BIN, 'nft', 'remove']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /table inet ipgate removed/);
  assert.equal(await ok('127.0.0.8'), true, 'no rules: everyone reaches the service');
  const again = await fx.ns.exec(process.execPath, [BIN, 'nft', 'remove', '-o', 'json']);
  assert.deepEqual(JSON.parse(again.stdout), { removed: false, table: 'inet ipgate' });
  // A restart writes the table again with the stored profile.
  await fx.restart();
  assert.equal(await ok('127.0.0.8'), false);
  assert.equal(await ok('127.0.0.7'), true);
});
