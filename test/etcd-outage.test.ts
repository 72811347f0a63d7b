/**
 * etcd unreachable with real parts: three instances keep enforcing the last good profile (never open, never
 * closed), report degraded, refuse writes with 503 changing nothing, and pick up changes once etcd is back.
 * An instance started while etcd is down enforces its cache file; one without a cache refuses everyone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, metricValue, readyz } from './helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from './helpers/etcd.js';
import { startIpgate } from './helpers/ipgate.js';
import { waitFor } from './helpers/wait.js';

const PREFIX = '/outage/';
const KEY = `${PREFIX}profiles/default`;
let etcd: RunningEtcd;
let fleet: Fleet;

before(async () => {
  etcd = await startEtcd();
  fleet = await startFleet({
    count: 3,
    etcd: () => ({ endpoints: [etcd.endpoint], prefix: PREFIX }),
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'] },
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
});

async function allEnforce(allowed: string, refused: string): Promise<void> {
  for (const i of fleet.instances) {
    await waitFor(async () => (await fleet.reaches(allowed, i.port())) && !(await fleet.reaches(refused, i.port())), 3000, `${allowed} allowed and ${refused} refused on ${i.dir}`);
  }
}

test('etcd paused: enforcement unchanged, /readyz degraded, writes 503 changing nothing; resumes by itself', async () => {
  const revisionBefore = String((await etcd.client().get(KEY).exec()).kvs[0]?.mod_revision);
  etcd.pause();
  try {
    for (const i of fleet.instances) {
      await waitFor(async () => (await readyz(i.adminUrl())).status === 'degraded', 6000, 'degraded readyz');
      const m = (await adminRequest(i.adminUrl(), 'GET', '/metrics')).text;
      assert.equal(metricValue(m, 'ipgate_store_up'), 0);
      assert.ok(i.ipgate.logs().some((l) => l['event'] === 'store-degraded'));
      assert.equal(await fleet.reaches('127.0.0.2', i.port()), true, 'last good profile still allows');
      assert.equal(await fleet.reaches('127.0.0.7', i.port()), false, 'and still refuses');
      const w = await adminRequest(i.adminUrl(), 'PATCH', '/v1/profile', { token: fleet.token, body: { add: ['127.0.0.7/32'] } });
      assert.equal(w.status, 503, w.text);
      assert.equal((w.json as { code: string }).code, 'ERR_STORE_UNAVAILABLE');
    }
  } finally {
    etcd.resume();
  }
  for (const i of fleet.instances) await waitFor(async () => (await readyz(i.adminUrl())).status === 'ready', 6000, 'ready again');
  assert.equal(String((await etcd.client().get(KEY).exec()).kvs[0]?.mod_revision), revisionBefore, 'the refused writes changed nothing');
  await allEnforce('127.0.0.2', '127.0.0.7');
});

test('etcd killed and restarted: the watch resumes and a change made after the restart reaches all', async () => {
  await etcd.kill();
  for (const i of fleet.instances) await waitFor(async () => (await readyz(i.adminUrl())).status === 'degraded', 6000, 'degraded readyz');
  await allEnforce('127.0.0.2', '127.0.0.7');
  await etcd.restart();
  for (const i of fleet.instances) await waitFor(async () => (await readyz(i.adminUrl())).status === 'ready', 8000, 'ready after restart');
  // A change written straight into etcd (not through an instance) must arrive through the resumed watches.
  await etcd.client().put(KEY).value(JSON.stringify({ authorizedIpRanges: ['127.0.0.1/32', '127.0.0.7/32'], egressIpRanges: [] }));
  await allEnforce('127.0.0.7', '127.0.0.2');
  for (const i of fleet.instances) {
    const m = (await adminRequest(i.adminUrl(), 'GET', '/metrics')).text;
    assert.ok((metricValue(m, 'ipgate_store_watch_errors_total') ?? 0) >= 1, 'the broken watch is counted');
  }
});

test('an instance restarted while etcd is down enforces its cache file; without a cache one refuses everyone', async () => {
  const third = fleet.instances[2];
  assert.ok(third !== undefined);
  await etcd.kill();
  assert.equal(await third.ipgate.stop('SIGTERM'), 0);
  await third.restart({ readyTimeoutMs: 10_000 });
  const degraded = await waitFor(() => third.ipgate.logs().find((l) => l['event'] === 'store-degraded'), 3000, 'store-degraded line');
  assert.match(String(degraded['detail']), /last known good profile from .*last-known-good\.json/);
  assert.equal(await fleet.reaches('127.0.0.7', third.port()), true, 'the cached profile allows');
  assert.equal(await fleet.reaches('127.0.0.2', third.port()), false, 'and refuses');

  const bare = await startIpgate(
    join(fleet.dir),
    {
      upstream: `127.0.0.1:${fleet.upstream.port}`,
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      admin: { address: '127.0.0.1:0', tokenFile: 'admin.token' },
      auditLog: 'off',
      store: { etcd: { endpoints: [etcd.endpoint], prefix: PREFIX } },
    },
    { readyTimeoutMs: 10_000 },
  );
  try {
    const line = await waitFor(() => bare.logs().find((l) => l['event'] === 'store-degraded'), 3000, 'store-degraded line');
    assert.match(String(line['detail']), /refusing every source/);
    const port = bare.ports.get('public') ?? 0;
    for (const source of ['127.0.0.1', '127.0.0.7', '127.0.0.2']) assert.equal(await fleet.reaches(source, port), false, `${source} refused (never fail open)`);

    await etcd.restart();
    // Both catch up with etcd by themselves; a change made now reaches them too.
    await waitFor(async () => fleet.reaches('127.0.0.7', port), 8000, 'the instance without cache enforces the etcd profile');
    const w = await adminRequest(fleet.instances[0]?.adminUrl() ?? '', 'PATCH', '/v1/profile', { token: fleet.token, body: { add: ['127.0.0.8/32'] } });
    assert.equal(w.status, 200, w.text);
    await allEnforce('127.0.0.8', '127.0.0.2');
    await waitFor(async () => fleet.reaches('127.0.0.8', port), 3000, 'the change on the cache-less instance');
  } finally {
    await bare.stop('SIGKILL');
  }
});
