/**
 * Concurrent writers on two gateways sharing one real etcd: PATCHes without If-Match spread over both
 * instances are merged (a compare-and-swap lost to the other instance is re-read and re-applied), and with
 * If-Match exactly one writer holding the same ETag wins.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminRequest } from '../helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';

const PREFIX = '/concurrency/';
let etcd: RunningEtcd;
let fleet: Fleet;

before(async () => {
  etcd = await startEtcd();
  fleet = await startFleet({
    count: 2,
    etcd: () => ({ endpoints: [etcd.endpoint], prefix: PREFIX, profile: 'default' }),
    profile: { authorizedIpRanges: ['127.0.0.1/32'] },
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
});

function url(i: number): string {
  return fleet.instances[i % fleet.instances.length]?.adminUrl() ?? '';
}

async function stored(): Promise<{ authorizedIpRanges: string[] }> {
  const value = await etcd.client().get(`${PREFIX}profiles/default`).string();
  assert.ok(value !== null);
  return JSON.parse(value) as { authorizedIpRanges: string[] };
}

test('20 concurrent PATCHes without If-Match over 2 instances: 20 x 200, all 20 entries in etcd and enforced by both', async (t) => {
  const entries = Array.from({ length: 20 }, (_, i) => `198.51.100.${i + 1}/32`);
  const started = Date.now();
  const answers = await Promise.all(entries.map((entry, i) => adminRequest(url(i), 'PATCH', '/v1/profile', { token: fleet.token, body: { add: [entry] } })));
  const statuses = answers.map((a) => a.status);
  t.diagnostic(`statuses: ${statuses.filter((s) => s === 200).length} x 200 of ${statuses.length} in ${Date.now() - started} ms`);
  assert.deepEqual(statuses, entries.map(() => 200), answers.filter((a) => a.status !== 200).map((a) => a.text).join(''));
  const list = (await stored()).authorizedIpRanges;
  for (const entry of entries) assert.ok(list.includes(entry), `${entry} missing from etcd: ${list.join(', ')}`);
  for (let i = 0; i < fleet.instances.length; i++) {
    await waitFor(
      async () => {
        const r = await adminRequest(url(i), 'GET', '/v1/profile', { token: fleet.token });
        const enforced = (r.json as { authorizedIpRanges: string[] }).authorizedIpRanges;
        return entries.every((e) => enforced.includes(e));
      },
      5000,
      `instance ${i} to enforce every entry`,
    );
  }
});

test('with If-Match, exactly one of 6 concurrent writers over 2 instances wins; the others get 412', async () => {
  const etag = String((await adminRequest(url(0), 'GET', '/v1/profile', { token: fleet.token })).headers['etag']);
  await waitFor(async () => String((await adminRequest(url(1), 'GET', '/v1/profile', { token: fleet.token })).headers['etag']) === etag, 3000, 'the same ETag on both');
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => adminRequest(url(i), 'PATCH', '/v1/profile', { token: fleet.token, headers: { 'if-match': etag }, body: { add: [`192.0.2.${i + 1}/32`] } })),
  );
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 412, 412, 412, 412, 412], answers.map((a) => a.text).join(''));
  assert.equal((await stored()).authorizedIpRanges.filter((e) => e.startsWith('192.0.2.')).length, 1);
});
