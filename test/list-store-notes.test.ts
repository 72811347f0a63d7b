/**
 * A ranges list file as the store of a real `ipgate serve`, changed with the CLI: its comments, blank lines
 * and order survive every write (the file is edited in place), notes and expiry times are written as the
 * entry's trailing comment and read back, and the history file beside it records each change.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest } from './helpers/clients.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';

let fx: GatewayFixture;
let auth: string[];
let file: string;

const ORIGINAL = [
  '# Who may reach the production API server.',
  '# Owner: platform team (#platform on chat). Review monthly.',
  '',
  '127.0.0.1/32          # the admin host itself',
  '10.20.0.0/16, 10.21.0.0/16   # office A and B',
  '',
  '# build agents',
  '192.0.2.0/24',
  '',
].join('\n');

before(async () => {
  fx = await gatewayFixture((dir) => {
    file = join(dir, 'allow.txt');
    return {
      listeners: [{ name: 'public', address: '127.0.0.1:0', enforce: true }],
      store: { file: 'allow.txt', format: 'list' },
    };
  }, async (dir) => {
    await writeFile(join(dir, 'allow.txt'), ORIGINAL);
  });
  auth = ['--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')];
});
after(async () => {
  await fx.close();
});

async function cli(...args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const r = await runIpgate([...args, ...auth]);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

test('adding with a note appends one line and keeps every comment', async () => {
  await cli('ranges', 'add', '203.0.113.7', '--note', 'Alice, VPN outage', '--expires', '2h');
  const text = await readFile(file, 'utf8');
  assert.ok(text.startsWith(ORIGINAL), `the original lines stay as they were:\n${text}`);
  assert.match(text.slice(ORIGINAL.length), /^203\.0\.113\.7 {2}# expires: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; note: Alice, VPN outage\n$/);
  const shown = await cli('ranges', 'show');
  assert.match(shown.stdout, /203\.0\.113\.7 +expires in (?:1h59m|2h) \(.*\); note: Alice, VPN outage/);
});

test('removing drops only that entry (from a shared line, the entry alone); set keeps comments and notes', async () => {
  await cli('ranges', 'remove', '10.21.0.0/16', '192.0.2.0/24');
  let text = await readFile(file, 'utf8');
  assert.match(text, /^10\.20\.0\.0\/16 {2}# office A and B$/m);
  assert.match(text, /^# build agents$/m, 'a comment line stays even when the entries under it go');
  assert.doesNotMatch(text, /192\.0\.2\.0\/24/);
  await cli('ranges', 'set', '127.0.0.1/32', '10.20.0.0/16', '203.0.113.7', '198.51.100.0/24');
  text = await readFile(file, 'utf8');
  assert.match(text, /^# Owner: platform team \(#platform on chat\)\. Review monthly\.$/m);
  assert.match(text, /^127\.0\.0\.1\/32 {10}# the admin host itself$/m);
  assert.match(text, /^203\.0\.113\.7 {2}# expires: .*; note: Alice, VPN outage$/m, 'set keeps the note of an entry it keeps');
  assert.match(text, /^198\.51\.100\.0\/24$/m);
  const profile = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: unknown[] };
  assert.deepEqual(profile.authorizedIpRanges.map((e) => (typeof e === 'string' ? e : (e as { range: string; note: string }).note)), [
    '127.0.0.1/32', '10.20.0.0/16', 'Alice, VPN outage', '198.51.100.0/24',
  ]);
});

test('a note edited on disk is read back, and recorded as a change of path "file"', async () => {
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('198.51.100.0/24', '198.51.100.0/24  # note: partner network'));
  const record = await waitFor(async () => {
    const h = (await adminRequest(fx.adminUrl, 'GET', '/v1/history?limit=1', { token: fx.token })).json as { history: { path: string; added: unknown[]; removed: unknown[] }[] };
    return h.history[0]?.path === 'file' ? h.history[0] : undefined;
  }, 3000, 'the edit recorded');
  assert.deepEqual(record.added, [{ range: '198.51.100.0/24', note: 'partner network' }]);
  assert.deepEqual(record.removed, ['198.51.100.0/24']);
  const history = await readFile(`${file}.history.jsonl`, 'utf8');
  assert.equal(history.trim().split('\n').length, 4, 'add, remove, set, the edit on disk');
});

test('a PUT in another order: the entries already in the file stay where they are, new ones follow, and that is the profile', async () => {
  const before = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: unknown[] };
  const reversed = [...before.authorizedIpRanges].reverse();
  // What is validated and compiled is the profile in the order it will be stored: a dry run shows it.
  const dry = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?dryRun=true', { token: fx.token, body: { authorizedIpRanges: ['192.0.2.77/32', ...reversed] } });
  assert.deepEqual((dry.json as { profile: { authorizedIpRanges: unknown[] } }).profile.authorizedIpRanges, [...before.authorizedIpRanges, '192.0.2.77/32']);
  const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: ['192.0.2.77/32', ...reversed] } });
  assert.equal(put.status, 200, put.text);
  const answered = (put.json as { profile: { authorizedIpRanges: unknown[] } }).profile.authorizedIpRanges;
  assert.deepEqual(answered, [...before.authorizedIpRanges, '192.0.2.77/32'], 'the order of the file');
  const now = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: unknown[] };
  assert.deepEqual(now.authorizedIpRanges, answered);
  const text = await readFile(file, 'utf8');
  assert.match(text, /^# Who may reach the production API server\.$/m, 'comments stay');
  assert.ok(text.endsWith('\n192.0.2.77/32\n'), text);
});
