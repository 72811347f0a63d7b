/**
 * The change history and expiring entries with three `ipgate serve` instances on one real etcd: a change
 * through one instance is recorded in the change's own transaction and served identically by all three; a
 * value written to etcd by hand is recorded once, though every instance sees it; an entry added with
 * `--expires 3s` admits through every instance, then refuses through every instance, and its removal is one
 * change, recorded once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest } from './helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from './helpers/etcd.js';
import { runIpgate } from './helpers/ipgate.js';
import { waitFor } from './helpers/wait.js';

const PREFIX = '/hist/';
const KEY = `${PREFIX}profiles/default`;
let etcd: RunningEtcd;
let fleet: Fleet;

interface HistoryRecord {
  path: string;
  actor: string;
  address: string | null;
  added: unknown[];
  removed: unknown[];
  etagBefore: string | null;
  etagAfter: string;
}

before(async () => {
  etcd = await startEtcd();
  fleet = await startFleet({
    count: 3,
    etcd: () => ({ endpoints: [etcd.endpoint], prefix: PREFIX, profile: 'default' }),
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'] },
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
});

function urls(): string[] {
  return fleet.instances.map((i) => i.adminUrl());
}

async function historyOn(url: string): Promise<HistoryRecord[]> {
  const r = await adminRequest(url, 'GET', '/v1/history?limit=100', { token: fleet.token });
  assert.equal(r.status, 200, r.text);
  return (r.json as { history: HistoryRecord[] }).history;
}

async function etagOn(url: string): Promise<string> {
  return String((await adminRequest(url, 'GET', '/v1/profile', { token: fleet.token })).headers['etag']);
}

/** Waits until every instance serves ETag `etag`, then returns the history, checked identical on all. */
async function sameHistoryEverywhere(etag: string): Promise<HistoryRecord[]> {
  for (const url of urls()) await waitFor(async () => (await etagOn(url)) === etag, 5000, `ETag ${etag} on ${url}`);
  const [first, ...rest] = await Promise.all(urls().map(historyOn));
  for (const other of rest) assert.deepEqual(other, first, 'the same history on every instance');
  return first ?? [];
}

test('a change through one instance is recorded in its own transaction and served identically by all', async () => {
  const [a] = urls();
  const r = await adminRequest(a ?? '', 'PATCH', '/v1/profile', { token: fleet.token, body: { add: [{ range: '127.0.0.3/32', note: 'Dana, on call' }] } });
  assert.equal(r.status, 200, r.text);
  const etag = String(r.headers['etag']);
  const history = await sameHistoryEverywhere(etag);
  const record = history[0];
  assert.equal(record?.etagAfter, etag);
  assert.deepEqual([record?.path, record?.actor, record?.address], ['admin-api', 'default', '127.0.0.1']);
  assert.deepEqual(record?.added, [{ range: '127.0.0.3/32', note: 'Dana, on call' }]);
  // The record key was written by the same transaction as the profile: same mod revision.
  const profileKv = (await etcd.client().get(KEY).exec()).kvs[0];
  const records = await etcd.client().getAll().prefix(`${PREFIX}history/default/`).exec();
  assert.ok(records.kvs.some((kv) => String(kv.mod_revision) === String(profileKv?.mod_revision)), 'a record written with the change');
  // Every instance serves the note.
  const p = (await adminRequest(urls()[2] ?? '', 'GET', '/v1/profile', { token: fleet.token })).json as { authorizedIpRanges: unknown[] };
  assert.deepEqual(p.authorizedIpRanges[2], { range: '127.0.0.3/32', note: 'Dana, on call' });
});

test('a value written to etcd by hand is recorded once, with path "etcd", though all three instances see it', async () => {
  const value = { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32', { range: '127.0.0.3/32', note: 'Dana, on call' }, '127.0.0.4/32'], egressIpRanges: [] };
  const put = await etcd.client().put(KEY).value(JSON.stringify(value)).exec();
  const etag = `"${String(put.header.revision)}"`;
  const history = await waitFor(async () => {
    const h = await sameHistoryEverywhere(etag);
    return h[0]?.etagAfter === etag ? h : undefined;
  }, 5000, 'the hand-written value recorded');
  await new Promise((r) => setTimeout(r, 800)); // every instance has had its chance to record it
  const again = await sameHistoryEverywhere(etag);
  assert.deepEqual(again, history);
  const records = again.filter((r) => r.etagAfter === etag);
  assert.equal(records.length, 1, 'recorded once');
  assert.deepEqual([records[0]?.path, records[0]?.actor, records[0]?.address], ['etcd', 'etcd', null]);
  assert.deepEqual(records[0]?.added, ['127.0.0.4/32']);
  assert.equal(records[0]?.etagBefore, history[1]?.etagAfter, 'before: the revision the value replaced');
});

test('an entry with --expires 3s admits then refuses on every instance, and is removed by one change, recorded once', async () => {
  const [, b] = fleet.instances;
  const add = await runIpgate(['ranges', 'add', '127.0.0.5', '--expires', '3s', '--server', b?.adminUrl() ?? '', '--token-file', join(fleet.dir, 'admin.token')]);
  assert.equal(add.code, 0, add.stderr);
  // Checked at once, through every instance (the CLI's own start-up already took part of the 3 s).
  const [stored, ...admitted] = await Promise.all([
    adminRequest(b?.adminUrl() ?? '', 'GET', '/v1/profile', { token: fleet.token }),
    ...fleet.instances.map((i) => fleet.reaches('127.0.0.5', i.port())),
  ]);
  assert.deepEqual(admitted, [true, true, true], 'admitted through every instance before the expiry');
  const added = String(stored.headers['etag']);
  const entry = (stored.json as { authorizedIpRanges: unknown[] }).authorizedIpRanges.find((e) => typeof e === 'object' && (e as { range: string }).range === '127.0.0.5') as { expires: string };
  const expires = Date.parse(entry.expires);
  await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now())));
  for (const i of fleet.instances) assert.equal(await fleet.reaches('127.0.0.5', i.port()), false, 'refused from the expiry on');
  // The removal: one change, whichever instance wrote it, the same everywhere.
  const removedEtag = await waitFor(async () => {
    const h = await historyOn(urls()[0] ?? '');
    return h[0]?.path === 'expiry' ? h[0].etagAfter : undefined;
  }, 5000, 'the removal recorded');
  await new Promise((r) => setTimeout(r, 800));
  const history = await sameHistoryEverywhere(removedEtag);
  const removals = history.filter((r) => r.path === 'expiry');
  assert.equal(removals.length, 1, JSON.stringify(removals));
  assert.deepEqual(removals[0]?.removed, [{ range: '127.0.0.5', expires: entry.expires }]);
  assert.equal(removals[0]?.etagBefore, added);
  assert.equal(history[0]?.etagAfter, removedEtag, 'and nothing after it: no second removal');
  for (const url of urls()) {
    const p = (await adminRequest(url, 'GET', '/v1/profile', { token: fleet.token })).json as { authorizedIpRanges: unknown[] };
    assert.ok(!JSON.stringify(p.authorizedIpRanges).includes('127.0.0.5"'), `gone from the profile on ${url}`);
  }
  const kv = (await etcd.client().get(KEY).exec()).kvs[0];
  assert.equal(`"${String(kv?.mod_revision)}"`, removedEtag);
});
