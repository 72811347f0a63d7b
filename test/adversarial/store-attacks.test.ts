/**
 * Attacks on the stored profile, against a real `ipgate serve` and real clients: values that used to read as
 * "disabled" (and so admitted every source) written into the store file or into etcd by hand, a look-alike
 * of the list file's disabled marker, a repeated key, a deleted etcd key that used to be re-seeded. The
 * gateway keeps enforcing the last good profile, says why, and refuses to start on such a value.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminRequest, curlFrom } from '../helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from '../helpers/etcd.js';
import { runIpgate, startIpgateArgs } from '../helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';
import { sleep, waitFor } from '../helpers/wait.js';

/** What used to be read as "disabled". */
const OPENING_VALUES = [
  '{"authorizedIpRanges":null}',
  '{}',
  '{"egressIpRanges":["127.0.0.9/32"]}',
  '{"authorizedIpRanges":"127.0.0.0/8"}',
  '{"authorizedIpRanges":[]}',
  '{"authorizedIpRanges":["127.0.0.2/32"],"authorizedIpRanges":[]}',
];

describe('file store (JSON) behind a running gateway', () => {
  let fx: GatewayFixture;
  let file: string;
  before(async () => {
    fx = await gatewayFixture(() => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      store: { file: 'state/profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] },
    }));
    file = join(fx.dir, 'state/profile.json');
  });
  after(() => fx.close());

  test('a value that used to read as "disabled" is refused; the refused client stays refused', async () => {
    const etag = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).headers['etag'];
    for (const [i, value] of OPENING_VALUES.entries()) {
      await writeFile(file, value);
      await waitFor(() => fx.ipgate.logs().filter((l) => l['event'] === 'profile-rejected').length > i, 3000, `rejection of ${value}`);
      const line = fx.ipgate.logs().filter((l) => l['event'] === 'profile-rejected')[i] ?? {};
      assert.equal(line['code'], 'ERR_STORE_INVALID', value);
      assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert, timeoutS: 3 })).code === 0, false, `127.0.0.3 refused after ${value}`);
      assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert, timeoutS: 3 })).code, 0, `127.0.0.2 still allowed after ${value}`);
      const now = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
      assert.equal(now.headers['etag'], etag, 'the profile in force is unchanged');
    }
    assert.match(String(fx.ipgate.logs().find((l) => l['event'] === 'profile-rejected')?.['problem']), /"authorizedIpRanges" is null/);
  });

  test('disabling takes an explicit write, stored unambiguously; it survives a restart as "disabled"', async () => {
    const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: [] } });
    assert.equal(put.status, 200, put.text);
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(stored, { authorizedIpRanges: [], egressIpRanges: [], disabled: true });
    await waitFor(async () => (await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert, timeoutS: 3 })).code === 0, 3000, 'disabled: every source');
    // And back, through the API.
    const restore = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?force=true', { token: fx.token, body: { authorizedIpRanges: ['127.0.0.2/32'] } });
    assert.equal(restore.status, 200, restore.text);
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)['disabled'], undefined);
  });
});

test('a gateway does not start on a store value that used to read as "disabled"', async (t) => {
  const { dir, remove } = await tempDir();
  const upstream = await startUpstream(dir);
  t.after(async () => {
    await upstream.close();
    await remove();
  });
  for (const value of OPENING_VALUES) {
    await writeFile(join(dir, 'profile.json'), value);
    await writeFile(join(dir, 'ipgate.yaml'), `upstream: 127.0.0.1:${upstream.port}\nlisteners: [{ name: public, address: "127.0.0.1:0" }]\nstore: { file: profile.json }\nauditLog: 'off'\n`);
    const r = await runIpgate(['serve', '--config', join(dir, 'ipgate.yaml')], dir);
    assert.equal(r.code, 2, `${value}: exit 2\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /ERR_STORE_INVALID/, value);
    assert.doesNotMatch(r.stdout, /listener public on/, `${value}: no listener`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('list store: only the exact marker line disables; a look-alike comment is refused at start and on reload', async (t) => {
  const { dir, remove } = await tempDir();
  const upstream = await startUpstream(dir);
  t.after(async () => {
    await upstream.close();
    await remove();
  });
  const ranges = join(dir, 'allow.txt');
  const lookAlike = '# ipgate: disabled ranges were moved to allow-old.txt\n';
  await writeFile(ranges, lookAlike);
  const start = await runIpgate(['serve', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.port}`, '--ranges', ranges, '--audit-log', 'off'], dir);
  assert.equal(start.code, 2, start.stdout + start.stderr);
  assert.match(start.stderr, /ERR_STORE_INVALID/);
  await writeFile(ranges, '127.0.0.2/32\n');
  const gw = await startIpgateArgs(['--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.port}`, '--ranges', ranges, '--audit-log', 'off'], { cwd: dir });
  t.after(() => gw.stop('SIGKILL'));
  const port = gw.ports.get('public') ?? 0;
  await writeFile(ranges, lookAlike);
  await waitFor(() => gw.logs().some((l) => l['event'] === 'profile-rejected'), 3000, 'rejection');
  assert.notEqual((await curlFrom('127.0.0.3', port, { cacert: upstream.cert, timeoutS: 3 })).code, 0, 'still refused');
  await writeFile(ranges, '# ipgate: disabled (every source is allowed)\n');
  await waitFor(async () => (await curlFrom('127.0.0.3', port, { cacert: upstream.cert, timeoutS: 3 })).code === 0, 3000, 'the exact marker disables');
});

describe('etcd store shared by two gateways', () => {
  const PREFIX = '/attacks/';
  const KEY = `${PREFIX}profiles/default`;
  let etcd: RunningEtcd;
  let fleet: Fleet;
  before(async () => {
    etcd = await startEtcd();
    fleet = await startFleet({
      count: 2,
      etcd: () => ({ endpoints: [etcd.endpoint], prefix: PREFIX }),
      profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'] },
    });
  });
  after(async () => {
    await fleet?.close();
    await etcd?.close();
  });

  test('a value that used to read as "disabled", written by hand, is refused by every instance', async () => {
    for (const value of ['{"authorizedIpRanges":null}', '{}', '{"authorizedIpRanges":[]}']) {
      await etcd.client().put(KEY).value(value);
      for (const i of fleet.instances) {
        await waitFor(() => i.ipgate.logs().some((l) => l['event'] === 'profile-rejected' && String(l['problem']).includes('authorizedIpRanges')), 3000, `rejection on ${i.dir}`);
        assert.equal(await fleet.reaches('127.0.0.3', i.port()), false, `${value}: 127.0.0.3 still refused`);
        assert.equal(await fleet.reaches('127.0.0.2', i.port()), true);
      }
    }
  });

  test('a deleted key is reported and not re-created from the config seed; a write through the API restores it', async () => {
    const url = fleet.instances[0]?.adminUrl() ?? '';
    const fixed = await adminRequest(url, 'PUT', '/v1/profile?force=true', { token: fleet.token, body: { authorizedIpRanges: ['127.0.0.2/32', '127.0.0.5/32'] } });
    assert.equal(fixed.status, 200, fixed.text);
    for (const i of fleet.instances) await waitFor(async () => fleet.reaches('127.0.0.5', i.port()), 3000, '127.0.0.5 allowed');
    await etcd.client().delete().key(KEY);
    for (const i of fleet.instances) {
      await waitFor(() => i.ipgate.logs().some((l) => l['code'] === 'ERR_STORE_MISSING'), 3000, 'deletion reported');
    }
    // Instances probe every second: give a re-seeding one time to do it.
    await sleep(2500);
    assert.equal(await etcd.client().get(KEY).string(), null, 'not re-seeded');
    for (const i of fleet.instances) {
      assert.equal(await fleet.reaches('127.0.0.5', i.port()), true, 'the last good profile stays (not the seed)');
      assert.equal(await fleet.reaches('127.0.0.1', i.port()), false, 'the seed is not back');
    }
    // A restarted instance does not seed either: it enforces its cache file.
    const first = fleet.instances[0];
    assert.ok(first !== undefined);
    await first.ipgate.stop('SIGTERM');
    await first.restart();
    await sleep(1500);
    assert.equal(await etcd.client().get(KEY).string(), null, 'a restart does not re-seed');
    assert.equal(await fleet.reaches('127.0.0.5', first.port()), true);
    const etag = (await adminRequest(first.adminUrl(), 'GET', '/v1/profile', { token: fleet.token })).headers['etag'];
    const repair = await adminRequest(first.adminUrl(), 'PUT', '/v1/profile?force=true', { token: fleet.token, headers: { 'if-match': String(etag) }, body: { authorizedIpRanges: ['127.0.0.2/32'] } });
    assert.equal(repair.status, 200, repair.text);
    assert.notEqual(await etcd.client().get(KEY).string(), null);
    for (const i of fleet.instances) await waitFor(async () => !(await fleet.reaches('127.0.0.5', i.port())), 3000, 'the repaired profile everywhere');
  });
});
