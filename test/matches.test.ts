/**
 * Which entry admitted which listener's traffic: the bounded per (listener, entry) log (pure), and
 * `GET /v1/matches` fed by ipgate's own listeners with real curl clients from loopback sources, references
 * counted as written, entries removed from the profile dropped; the HAProxy data plane says it cannot tell.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EntryNames, MatchLog } from '../src/runtime/match-log.js';
import { adminRequest, curlFrom } from './helpers/clients.js';
import { gatewayFixture, haproxyGatewayFixture } from './helpers/setup.js';

interface Match {
  listener: string;
  entry: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

test('the match log counts per listener and written entry, ignores what is not in force, and drops removed entries', () => {
  const log = new MatchLog(['public', 'office']);
  log.setEntries(new EntryNames({ authorizedIpRanges: ['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24'], egressIpRanges: ['203.0.113.9'] }, new Map([
    ['192.0.2.0/24', { reference: 'office:' }],
    ['198.51.100.0/24', { reference: 'office:' }],
  ])));
  log.record('public', '10.0.0.0/8', 1000);
  log.record('public', '10.0.0.0/8', 2000);
  log.record('office', '192.0.2.0/24', 1500);
  log.record('office', '198.51.100.0/24', 3000);
  log.record('public', '203.0.113.9', 2500);
  log.record('public', '172.16.0.0/12', 4000); // not an entry in force
  log.record('elsewhere', '10.0.0.0/8', 4000); // not a listener of this data plane
  assert.deepEqual(log.list(), [
    { listener: 'office', entry: 'office:', count: 2, firstSeen: 1500, lastSeen: 3000 },
    { listener: 'public', entry: '203.0.113.9', count: 1, firstSeen: 2500, lastSeen: 2500 },
    { listener: 'public', entry: '10.0.0.0/8', count: 2, firstSeen: 1000, lastSeen: 2000 },
  ]);
  // Written forms: the compiled `203.0.113.9/32` of a range source's expansion counts for `203.0.113.9` as written.
  const names = new EntryNames(
    { authorizedIpRanges: ['203.0.113.9/32', '192.0.2.0/24', '198.51.100.7/32'], egressIpRanges: [] },
    new Map([['192.0.2.0/24', { reference: 'office:' }]]),
    { authorizedIpRanges: ['203.0.113.9', 'office:', '198.51.100.7/32'], egressIpRanges: [] },
  );
  assert.equal(names.nameOf('203.0.113.9/32'), '203.0.113.9');
  assert.equal(names.nameOf('192.0.2.0/24'), 'office:');
  assert.equal(names.nameOf('198.51.100.7/32'), '198.51.100.7/32');
  assert.equal(names.nameOf('10.0.0.0/8'), undefined, 'not an entry of these lists');
  assert.deepEqual(['203.0.113.9', 'office:', '198.51.100.7/32', '203.0.113.9/32', '192.0.2.0/24', '10.0.0.0/8'].map((n) => names.has(n)), [true, true, true, false, false, false]);
  // A new profile without 10.0.0.0/8: its records go, the others stay.
  log.setEntries(new EntryNames({ authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: ['203.0.113.9'] }, new Map([['192.0.2.0/24', { reference: 'office:' }]])));
  assert.deepEqual(log.list().map((r) => `${r.listener} ${r.entry}`), ['office office:', 'public 203.0.113.9']);
  log.record('public', '10.0.0.0/8', 5000);
  assert.equal(log.size, 2, 'an entry no longer in force is not counted again');
});

test('the match log holds at most listeners × entries records, however many connections', () => {
  const entries = Array.from({ length: 50 }, (_, i) => `10.${i}.0.0/16`);
  const log = new MatchLog(['a', 'b', 'c']);
  log.setEntries(new EntryNames({ authorizedIpRanges: entries, egressIpRanges: [] }, undefined));
  let counted = 0;
  for (let n = 0; n < 20_000; n++) {
    const listener = ['a', 'b', 'c', 'd'][n % 4] ?? 'a';
    const second = Math.floor(n / 4) % 70;
    log.record(listener, `10.${second}.0.0/16`, n);
    if (listener !== 'd' && second < 50) counted++;
  }
  assert.equal(log.size, 3 * 50);
  assert.equal(log.list().reduce((sum, r) => sum + r.count, 0), counted, 'every connection of a listener and entry in force, and only those');
});

test('GET /v1/matches: real curl connections counted per listener and entry (a reference as written); a removed entry is dropped', async (t) => {
  const fx = await gatewayFixture(
    () => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }, { name: 'office', address: '127.0.0.1:0' }],
      sources: [{ name: 'office', type: 'text', file: 'office.txt', refresh: '24h' }],
      store: { file: 'state/profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.2/32', 'office:'], egressIpRanges: ['127.0.0.5'] },
    }),
    (dir) => writeFile(join(dir, 'office.txt'), '127.0.0.3/32\n127.0.0.4/32\n'),
  );
  t.after(() => fx.close());
  const list = async (): Promise<{ available: boolean; matches: Match[] }> => {
    const r = await adminRequest(fx.adminUrl, 'GET', '/v1/matches', { token: fx.token });
    assert.equal(r.status, 200, r.text);
    return r.json as { available: boolean; matches: Match[] };
  };
  assert.deepEqual(await list(), { available: true, matches: [] });
  const ok = async (from: string, listener: string): Promise<void> => {
    const r = await curlFrom(from, fx.port(listener), { cacert: fx.upstream.cert });
    assert.equal(r.code, 0, `${from} on ${listener}: ${r.stderr}`);
  };
  const started = Date.now();
  await ok('127.0.0.2', 'public');
  await ok('127.0.0.2', 'public');
  await ok('127.0.0.2', 'office');
  await ok('127.0.0.3', 'office');
  await ok('127.0.0.4', 'office');
  await ok('127.0.0.5', 'public');
  assert.notEqual((await curlFrom('127.0.0.6', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'a refusal matches no entry');
  const body = await list();
  assert.equal(body.available, true);
  const seen = body.matches.map((m) => `${m.listener} ${m.entry} ${m.count}`).sort();
  assert.deepEqual(seen, ['office 127.0.0.2/32 1', 'office office: 2', 'public 127.0.0.2/32 2', 'public 127.0.0.5 1']);
  for (const m of body.matches) {
    const last = Date.parse(m.lastSeen);
    assert.ok(last >= started - 1000 && last <= Date.now() + 1000, `${m.lastSeen} is the time of the connection`);
    assert.ok(Date.parse(m.firstSeen) <= last);
  }
  assert.ok(Date.parse(body.matches[0]?.lastSeen ?? '') >= Date.parse(body.matches.at(-1)?.lastSeen ?? ''), 'most recent first');

  const removed = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { remove: ['127.0.0.2/32'] } });
  assert.equal(removed.status, 200, removed.text);
  const after = (await list()).matches.map((m) => `${m.listener} ${m.entry}`).sort();
  assert.deepEqual(after, ['office office:', 'public 127.0.0.5']);
  const wrong = await adminRequest(fx.adminUrl, 'POST', '/v1/matches', { token: fx.token, body: {} });
  assert.equal(wrong.status, 405);
  assert.equal((wrong.json as { code: string }).code, 'ERR_METHOD');
  const query = await adminRequest(fx.adminUrl, 'GET', '/v1/matches?since=1', { token: fx.token });
  assert.equal(query.status, 400);
  assert.equal((query.json as { code: string }).code, 'ERR_QUERY_UNKNOWN');
});

test('with the HAProxy data plane, /v1/matches says it cannot tell (not "no entry is used")', async (t) => {
  const fx = await haproxyGatewayFixture(t);
  const port = fx.port();
  assert.equal((await curlFrom('127.0.0.2', port, { cacert: fx.upstream.cert })).code, 0);
  const r = await adminRequest(fx.adminUrl, 'GET', '/v1/matches', { token: fx.token });
  assert.equal(r.status, 200);
  const body = r.json as { available: boolean; reason: string; matches: unknown[] };
  assert.equal(body.available, false);
  assert.deepEqual(body.matches, []);
  assert.match(body.reason, /HAProxy/);
});
