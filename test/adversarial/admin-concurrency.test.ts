/**
 * Concurrent writers on one gateway with the file store: PATCHes without If-Match are merged (every one
 * answered 200, every entry kept), parallel `ipgate ranges add` commands all succeed, and with If-Match
 * exactly one of several writers holding the same ETag wins.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest } from '../helpers/clients.js';
import { runIpgate } from '../helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';

let fx: GatewayFixture;

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    store: { file: 'profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] },
  }));
});
after(async () => {
  await fx?.close();
});

async function authorized(): Promise<string[]> {
  const r = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
  assert.equal(r.status, 200, r.text);
  return (r.json as { authorizedIpRanges: string[] }).authorizedIpRanges;
}

test('20 concurrent PATCHes without If-Match, each adding its own entry: 20 x 200, all 20 entries kept', async (t) => {
  const entries = Array.from({ length: 20 }, (_, i) => `198.51.100.${i + 1}/32`);
  const answers = await Promise.all(entries.map((entry) => adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: [entry] } })));
  const statuses = answers.map((a) => a.status);
  t.diagnostic(`statuses: ${statuses.filter((s) => s === 200).length} x 200 of ${statuses.length}`);
  assert.deepEqual(statuses, entries.map(() => 200), answers.filter((a) => a.status !== 200).map((a) => a.text).join(''));
  const list = await authorized();
  for (const entry of entries) assert.ok(list.includes(entry), `${entry} missing from ${list.join(', ')}`);
  const stored = JSON.parse(await readFile(join(fx.dir, 'profile.json'), 'utf8')) as { authorizedIpRanges: string[] };
  assert.deepEqual(stored.authorizedIpRanges, list, 'the file holds what is enforced');
});

test('10 parallel `ipgate ranges add` commands: all exit 0 and every entry is kept', async (t) => {
  const entries = Array.from({ length: 10 }, (_, i) => `203.0.113.${i + 1}`);
  const runs = await Promise.all(entries.map((entry) => runIpgate(['ranges', 'add', entry, '--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')])));
  const codes = runs.map((r) => r.code);
  t.diagnostic(`exit codes: ${codes.join(' ')}`);
  assert.deepEqual(codes, entries.map(() => 0), runs.map((r) => r.stderr).join(''));
  const list = await authorized();
  for (const entry of entries) assert.ok(list.includes(entry), `${entry} missing`);
});

test('with If-Match, exactly one of 6 concurrent writers holding the same ETag wins; the others get 412', async () => {
  const current = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
  const etag = String(current.headers['etag']);
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, headers: { 'if-match': etag }, body: { add: [`192.0.2.${i + 1}/32`] } }),
    ),
  );
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412]);
  for (const a of answers.filter((x) => x.status === 412)) assert.equal((a.json as { code: string }).code, 'ERR_PRECONDITION');
  const list = await authorized();
  assert.equal(list.filter((e) => e.startsWith('192.0.2.')).length, 1, 'only the winner was applied');
});
