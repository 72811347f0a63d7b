/**
 * Notes, expiring entries and the change history with real parts: `ipgate serve` on a JSON store file, the
 * CLI (`ranges add --note --expires`, `ranges set`, `ranges show`, `history`), curl and openssl s_client from
 * chosen loopback sources, and the store file edited on disk.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, curlFrom, opensslHold } from './helpers/clients.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';

let fx: GatewayFixture;
let auth: string[];

interface Record_ {
  time: string;
  profile: string;
  actor: string;
  address: string | null;
  path: string;
  added: unknown[];
  removed: unknown[];
  addedCount: number;
  removedCount: number;
  etagBefore: string | null;
  etagAfter: string;
}

before(async () => {
  fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0', enforce: true }],
    store: { file: 'state/profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'], egressIpRanges: ['127.0.0.9/32'] },
  }));
  auth = ['--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')];
});
after(async () => {
  await fx.close();
});

async function cli(...args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return runIpgate([...args, ...auth]);
}

async function profile(): Promise<{ etag: string; authorizedIpRanges: unknown[]; egressIpRanges: unknown[] }> {
  const r = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
  assert.equal(r.status, 200, r.text);
  return { ...(r.json as { authorizedIpRanges: unknown[]; egressIpRanges: unknown[] }), etag: String(r.headers['etag']) };
}

async function history(query = ''): Promise<Record_[]> {
  const r = await adminRequest(fx.adminUrl, 'GET', `/v1/history${query}`, { token: fx.token });
  assert.equal(r.status, 200, r.text);
  return (r.json as { history: Record_[] }).history;
}

function reaches(source: string): Promise<boolean> {
  return curlFrom(source, fx.port(), { cacert: fx.upstream.cert, timeoutS: 3 }).then((r) => r.code === 0);
}

test('an API change is recorded: actor, address, path, the entries with their notes, ETags; the CLI shows it', async () => {
  const before = await profile();
  const r = await cli('ranges', 'add', '127.0.0.3', '--note', 'Alice, VPN outage');
  assert.equal(r.code, 0, r.stderr);
  const after = await profile();
  assert.deepEqual(after.authorizedIpRanges, ['127.0.0.1/32', '127.0.0.2/32', { range: '127.0.0.3', note: 'Alice, VPN outage' }]);
  const [newest] = await history('?limit=1');
  assert.deepEqual(newest && { ...newest, time: 'T' }, {
    time: 'T', profile: 'default', actor: 'default', address: '127.0.0.1', path: 'admin-api',
    added: [{ range: '127.0.0.3', note: 'Alice, VPN outage' }], removed: [], addedCount: 1, removedCount: 0,
    etagBefore: before.etag, etagAfter: after.etag,
  });
  assert.ok(Math.abs(Date.parse(newest?.time ?? '') - Date.now()) < 10_000);
  const line = await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'profile-changed' && l['etagAfter'] === after.etag), 2000, 'profile-changed log line');
  assert.equal(line['actor'], 'default', 'the name of the single admin token');
  assert.deepEqual(line['added'], [{ range: '127.0.0.3', note: 'Alice, VPN outage' }]);
  const table = await cli('history', '--limit', '1');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /admin-api +default +127\.0\.0\.1 .*\+127\.0\.0\.3 \(note: Alice, VPN outage\)/);
  const json = await cli('history', '--output', 'json');
  assert.deepEqual((JSON.parse(json.stdout) as { history: Record_[] }).history[0], newest);
  const shown = await cli('ranges', 'show');
  assert.match(shown.stdout, /^ {2}127\.0\.0\.3 +note: Alice, VPN outage$/m);
});

test('an edit of the store file on disk is recorded with path "file" and its diff', async () => {
  const file = join(fx.dir, 'state/profile.json');
  const stored = JSON.parse(await readFile(file, 'utf8')) as { authorizedIpRanges: unknown[]; egressIpRanges: unknown[] };
  stored.authorizedIpRanges.push({ range: '127.0.0.4/32', note: 'added by hand' });
  await writeFile(file, JSON.stringify(stored, null, 2));
  const record = await waitFor(async () => (await history()).find((r) => r.path === 'file'), 3000, 'the file edit recorded');
  assert.equal(record.actor, 'file');
  assert.equal(record.address, null);
  assert.deepEqual(record.added, [{ range: '127.0.0.4/32', note: 'added by hand' }]);
  assert.deepEqual(record.removed, []);
  assert.equal(record.etagAfter, (await profile()).etag);
  assert.equal(await reaches('127.0.0.4'), true);
});

test('notes survive every edit through the API: PATCH, PUT of what GET gave, ranges set, egress edits', async () => {
  const expires = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  let r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: [{ range: '127.0.0.8/32', note: 'Carol', expires }, '127.0.0.7/32'] } });
  assert.equal(r.status, 200, r.text);
  r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { remove: ['127.0.0.7/32'], addEgress: [{ range: '127.0.0.10/32', note: 'NAT gateway' }] } });
  assert.equal(r.status, 200, r.text);
  const got = await profile();
  r = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: got.authorizedIpRanges, egressIpRanges: got.egressIpRanges } });
  assert.equal(r.status, 200, r.text);
  const set = await cli('ranges', 'set', '127.0.0.1/32', '127.0.0.2/32', '127.0.0.3', '127.0.0.4/32', '127.0.0.8/32');
  assert.equal(set.code, 0, set.stderr);
  const egress = await cli('ranges', 'add', '--egress', '127.0.0.11/32');
  assert.equal(egress.code, 0, egress.stderr);
  const now = await profile();
  assert.deepEqual(now.authorizedIpRanges, [
    '127.0.0.1/32', '127.0.0.2/32',
    { range: '127.0.0.3', note: 'Alice, VPN outage' },
    { range: '127.0.0.4/32', note: 'added by hand' },
    { range: '127.0.0.8/32', note: 'Carol', expires },
  ]);
  assert.deepEqual(now.egressIpRanges, ['127.0.0.9/32', { range: '127.0.0.10/32', note: 'NAT gateway' }, '127.0.0.11/32']);
  // A present entry added again with a new expiry time keeps nothing stale: its note and expiry are replaced.
  const later = new Date(Date.now() + 7_200_000).toISOString().replace(/\.\d+Z$/, 'Z');
  r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: [{ range: '127.0.0.8/32', note: 'Carol, extended', expires: later }] } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((r.json as { updated: string[] }).updated, ['127.0.0.8/32']);
  const [record] = await history('?limit=1');
  assert.deepEqual(record?.added, [{ range: '127.0.0.8/32', note: 'Carol, extended', expires: later }]);
  assert.deepEqual(record?.removed, [{ range: '127.0.0.8/32', note: 'Carol', expires }]);
  // Kept on disk in the same object form.
  const disk = await readFile(join(fx.dir, 'state/profile.json'), 'utf8');
  assert.match(disk, /"note": "NAT gateway"/);
});

test('an expiry time that has passed is refused, naming it; nothing changes', async () => {
  const before = await profile();
  const r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: [{ range: '127.0.0.12/32', expires: '2020-01-01T00:00:00Z' }] } });
  assert.equal(r.status, 400, r.text);
  const body = r.json as { code: string; message: string; errors: { entry: string; code: string }[] };
  assert.equal(body.code, 'ERR_ENTRY_EXPIRED');
  assert.match(body.message, /2020-01-01T00:00:00Z .*127\.0\.0\.12\/32.* has already passed/);
  assert.deepEqual(body.errors.map((e) => [e.entry, e.code]), [['127.0.0.12/32', 'ERR_ENTRY_EXPIRED']]);
  const bad = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: [{ range: '127.0.0.1/32', expires: 'next week' }] } });
  assert.equal((bad.json as { code: string }).code, 'ERR_ENTRY_EXPIRES');
  const cliPast = await cli('ranges', 'add', '127.0.0.12', '--expires', '2020-01-01T00:00:00Z');
  assert.equal(cliPast.code, 2);
  assert.match(cliPast.stderr, /has already passed.*\(ERR_ENTRY_EXPIRED\)/);
  const cliBad = await cli('ranges', 'add', '127.0.0.12', '--expires', '8 hours');
  assert.equal(cliBad.code, 2);
  assert.match(cliBad.stderr, /ERR_ENTRY_EXPIRES/);
  assert.equal((await profile()).etag, before.etag, 'nothing changed');
  const limit = await adminRequest(fx.adminUrl, 'GET', '/v1/history?limit=0', { token: fx.token });
  assert.equal((limit.json as { code: string }).code, 'ERR_QUERY');
});

test('an entry with --expires 3s admits, then refuses, its open connection is revoked, and it is removed once', async () => {
  const add = await cli('ranges', 'add', '127.0.0.5', '--expires', '3s', '--note', 'short visit');
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /with: +expires in [23]s \(\d{4}-[^)]+\); note: short visit/);
  // Checked at once (the CLI's own start-up already took part of the 3 s): a curl, and a connection held open.
  const [admitted, entry] = await Promise.all([
    reaches('127.0.0.5'),
    profile().then((p) => p.authorizedIpRanges.find((e) => typeof e === 'object' && (e as { range: string }).range === '127.0.0.5') as { expires: string }),
  ]);
  const held = opensslHold('127.0.0.5', fx.port(), fx.upstream.cert);
  const expires = Date.parse(entry.expires);
  assert.equal(admitted, true, 'admitted while it has not expired');
  // The held connection completes its TLS handshake through the gateway, and stays open until the expiry.
  await waitFor(() => held.stderr().includes('verify return:1') || undefined, Math.max(1, expires - Date.now()), 'the TLS handshake of the held connection');
  await Promise.race([held.exited, new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now() - 300)))]);
  assert.equal(held.child.exitCode, null, 'the held connection is open until the expiry');
  await Promise.race([held.exited, waitFor(() => false, 5000, 'revocation of the held connection')]);
  assert.ok(Date.now() >= expires, 'not revoked before its time');
  assert.equal(await reaches('127.0.0.5'), false, 'refused once expired');
  const records = await waitFor(async () => {
    const h = await history();
    return h.some((r) => r.path === 'expiry') ? h.filter((r) => r.path === 'expiry') : undefined;
  }, 3000, 'the expiry recorded');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await history()).filter((r) => r.path === 'expiry').length, 1, 'one removal');
  assert.equal(records[0]?.actor, 'expiry');
  assert.deepEqual(records[0]?.removed, [{ range: '127.0.0.5', note: 'short visit', expires: new Date(expires).toISOString().replace('.000Z', 'Z') }]);
  const after = await profile();
  assert.ok(!JSON.stringify(after.authorizedIpRanges).includes('127.0.0.5"'), 'gone from the profile');
  assert.equal(records[0]?.etagAfter, after.etag);
  assert.ok(fx.ipgate.logs().some((l) => l['event'] === 'entries-expired' && JSON.stringify(l['entries']) === '["127.0.0.5"]'));
});

test('when the last authorized entry expires the profile is "egress only" (logged and recorded), not "disabled"', async () => {
  const expires = new Date(Date.now() + 3000).toISOString();
  const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?force=true', {
    token: fx.token,
    body: { authorizedIpRanges: [{ range: '127.0.0.6/32', expires }], egressIpRanges: ['127.0.0.9/32'] },
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(await reaches('127.0.0.6'), true);
  assert.equal(await reaches('127.0.0.3'), false);
  const record = await waitFor(async () => (await history('?limit=1')).find((r) => r.path === 'expiry'), 8000, 'the expiry recorded');
  assert.deepEqual(record.added, ['0.0.0.0/32']);
  assert.equal(record.removedCount, 1);
  const now = await profile();
  assert.deepEqual(now.authorizedIpRanges, ['0.0.0.0/32']);
  assert.equal(await reaches('127.0.0.6'), false, 'the expired entry is refused');
  assert.equal(await reaches('127.0.0.3'), false, 'not "disabled": others stay refused');
  assert.equal(await reaches('127.0.0.9'), true, 'the egress address is still allowed');
  const warn = fx.ipgate.logs().find((l) => l['event'] === 'profile-egress-only');
  assert.equal(warn?.['level'], 'warn');
  assert.ok(!fx.ipgate.logs().some((l) => l['event'] === 'profile-disabled'));
  const explain = await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=127.0.0.3', { token: fx.token });
  assert.equal((explain.json as { reason: string }).reason, 'egress-only');
});
