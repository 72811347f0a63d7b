/**
 * Three `ipgate serve` processes against one real etcd: a change through any instance reaches all three
 * (including revocation), the ETag is the same everywhere, concurrent writes with one ETag let exactly one
 * win, and a corrupt value written by hand is refused everywhere with the last good profile kept.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminRequest, metricValue, opensslHold } from './helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from './helpers/etcd.js';
import { waitFor } from './helpers/wait.js';

const PREFIX = '/fleet/';
const KEY = `${PREFIX}profiles/default`;
let etcd: RunningEtcd;
let fleet: Fleet;

before(async () => {
  etcd = await startEtcd();
  fleet = await startFleet({
    count: 3,
    etcd: () => ({ endpoints: [etcd.endpoint], prefix: PREFIX, profile: 'default' }),
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32', '127.0.0.3/32'] },
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
});

async function etagOn(url: string): Promise<string> {
  const r = await adminRequest(url, 'GET', '/v1/profile', { token: fleet.token });
  assert.equal(r.status, 200, r.text);
  return String(r.headers['etag']);
}

test('the config profile seeds etcd once; every instance enforces it with the same ETag', async () => {
  const stored = await etcd.client().get(KEY).exec();
  assert.equal(stored.kvs.length, 1);
  const revision = String(stored.kvs[0]?.mod_revision);
  // Three instances raced to seed: the create-if-absent transaction let only the first write.
  assert.equal(String(stored.kvs[0]?.create_revision), revision);
  for (const i of fleet.instances) {
    assert.equal(await etagOn(i.adminUrl()), `"${revision}"`);
    assert.equal(await fleet.reaches('127.0.0.2', i.port()), true);
    assert.equal(await fleet.reaches('127.0.0.9', i.port()), false);
  }
});

test('a change through one instance is enforced by all three, revoking open access', async () => {
  const [a] = fleet.instances;
  assert.ok(a !== undefined);
  // One long-lived connection from the source about to be removed, open on each instance.
  const held = fleet.instances.map((i) => opensslHold('127.0.0.3', i.port(), fleet.upstream.cert));
  for (const i of fleet.instances) {
    await waitFor(async () => metricValue((await adminRequest(i.adminUrl(), 'GET', '/metrics')).text, 'ipgate_active_connections', '{listener="public"}') === 1, 5000, 'held connection');
  }
  const r = await adminRequest(a.adminUrl(), 'PATCH', '/v1/profile', { token: fleet.token, body: { add: ['127.0.0.9/32'], remove: ['127.0.0.3/32'] } });
  assert.equal(r.status, 200, r.text);
  const etag = String(r.headers['etag']);
  for (const i of fleet.instances) {
    await waitFor(async () => (await etagOn(i.adminUrl())) === etag, 3000, 'the new ETag on every instance');
    assert.equal(await fleet.reaches('127.0.0.9', i.port()), true, 'added source allowed');
    assert.equal(await fleet.reaches('127.0.0.3', i.port()), false, 'removed source refused');
  }
  for (const h of held) await Promise.race([h.exited, waitFor(() => false, 3000, 'revocation of the held connection')]);
  const stored = await etcd.client().get(KEY).exec();
  assert.equal(`"${String(stored.kvs[0]?.mod_revision)}"`, etag, 'the ETag is the etcd mod revision');
});

test('concurrent writes with the same ETag through different instances: exactly one wins, the others get 412', async () => {
  const etag = await etagOn(fleet.instances[0]?.adminUrl() ?? '');
  const results = await Promise.all(
    fleet.instances.map((inst, n) =>
      adminRequest(inst.adminUrl(), 'PUT', '/v1/profile', {
        token: fleet.token,
        headers: { 'if-match': etag },
        body: { authorizedIpRanges: ['127.0.0.1/32', `127.0.1.${n + 1}/32`], egressIpRanges: [] },
      }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 412, 412], results.map((r) => r.text).join('\n'));
  const winner = results.find((r) => r.status === 200);
  const loser = results.find((r) => r.status === 412);
  assert.equal((loser?.json as { code?: string }).code, 'ERR_PRECONDITION');
  const winnerEtag = String(winner?.headers['etag']);
  const winnerRange = (winner?.json as { profile: { authorizedIpRanges: string[] } }).profile.authorizedIpRanges[1];
  for (const i of fleet.instances) {
    await waitFor(async () => (await etagOn(i.adminUrl())) === winnerEtag, 3000, 'the winner everywhere');
    const p = (await adminRequest(i.adminUrl(), 'GET', '/v1/profile', { token: fleet.token })).json as { authorizedIpRanges: string[] };
    assert.deepEqual(p.authorizedIpRanges, ['127.0.0.1/32', winnerRange]);
  }
  // The stale ETag stays stale on every instance.
  const again = await adminRequest(fleet.instances[2]?.adminUrl() ?? '', 'PATCH', '/v1/profile', { token: fleet.token, headers: { 'if-match': etag }, body: { add: ['127.0.0.7/32'] } });
  assert.equal(again.status, 412);
});

test('corrupt JSON written to the key by hand is refused everywhere; the last good profile stays', async () => {
  const before = await etagOn(fleet.instances[0]?.adminUrl() ?? '');
  const allowedBefore = await fleet.reaches('127.0.0.1', fleet.instances[0]?.port() ?? 0);
  assert.equal(allowedBefore, true);
  await etcd.client().put(KEY).value('{"authorizedIpRanges": ["127.0.0.0/8",');
  for (const i of fleet.instances) {
    const line = await waitFor(() => i.ipgate.logs().find((l) => l['event'] === 'profile-rejected'), 3000, 'a profile-rejected log line');
    assert.equal(line['code'], 'ERR_STORE_INVALID');
    assert.match(String(line['problem']), /not valid JSON/);
    const m = (await adminRequest(i.adminUrl(), 'GET', '/metrics')).text;
    assert.equal(metricValue(m, 'ipgate_store_rejected_values_total'), 1);
    assert.ok((metricValue(m, 'ipgate_profile_reload_failures_total') ?? 0) >= 1);
    assert.equal(await etagOn(i.adminUrl()), before, 'the last good profile (and its ETag) stays');
    assert.equal(await fleet.reaches('127.0.0.1', i.port()), true);
    assert.equal(await fleet.reaches('127.0.0.5', i.port()), false, 'the corrupt value (127.0.0.0/8) is not enforced');
  }
  // A valid profile that breaks the AKS rules is refused the same way.
  await etcd.client().put(KEY).value(JSON.stringify({ authorizedIpRanges: ['10.0.0.0/33'] }));
  await waitFor(() => fleet.instances[1]?.ipgate.logs().filter((l) => l['event'] === 'profile-rejected').length === 2, 3000, 'second rejection');
  // A write through the API with the ETag of the profile in force repairs the key.
  const fix = await adminRequest(fleet.instances[1]?.adminUrl() ?? '', 'PUT', '/v1/profile', {
    token: fleet.token,
    headers: { 'if-match': before },
    body: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.5/32'], egressIpRanges: [] },
  });
  assert.equal(fix.status, 200, fix.text);
  for (const i of fleet.instances) {
    await waitFor(async () => fleet.reaches('127.0.0.5', i.port()), 3000, 'repaired profile enforced');
  }
});
