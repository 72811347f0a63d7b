/** SIGHUP reloads, SIGTERM drains, and the short command-line form with a watched ranges file. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminRequest, curlFrom, metricValue, opensslHold } from './helpers/clients.js';
import { startIpgateArgs } from './helpers/ipgate.js';
import { gatewayFixture } from './helpers/setup.js';
import { tempDir } from './helpers/tmp.js';
import { startUpstream } from './helpers/upstream.js';
import { sleep, waitFor } from './helpers/wait.js';

test('SIGHUP re-reads the config profile (no store); a broken config is refused and the last good kept', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
  }));
  t.after(() => fx.close());
  const file = join(fx.dir, 'ipgate.yaml');
  const config = (await readFile(file, 'utf8')).replace('127.0.0.2/32', '127.0.0.3/32');
  await writeFile(file, config);
  assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code !== 0, true, 'not yet: only on SIGHUP');
  fx.ipgate.child.kill('SIGHUP');
  await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'profile-applied'), 2000, 'profile applied');
  assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  assert.notEqual((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0);

  await writeFile(file, config.replace('127.0.0.3/32', '127.0.0.3/8'));
  fx.ipgate.child.kill('SIGHUP');
  const rejected = await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'config-rejected'), 2000, 'config rejected');
  assert.equal(rejected['code'], 'ERR_CONFIG_INVALID');
  assert.match(String(rejected['problem']), /profile\.authorizedIpRanges\[0\].*127\.0\.0\.0\/8/);
  assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'last good profile still in force');
  assert.notEqual((await curlFrom('127.0.0.4', fx.port(), { cacert: fx.upstream.cert })).code, 0, 'never fail open');
  const m = (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
  assert.equal(metricValue(m, 'ipgate_profile_reload_failures_total'), 1);
  assert.equal(metricValue(m, 'ipgate_profile_reloads_total'), 1);
  assert.equal(metricValue(m, 'ipgate_profile_generation'), 2);
});

test('SIGTERM stops accepting at once, drains open connections up to drainTimeoutMs, then exits 0', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    drainTimeoutMs: 600,
  }));
  t.after(() => fx.close());
  const held = opensslHold('127.0.0.2', fx.port(), fx.upstream.cert);
  await waitFor(async () => metricValue((await adminRequest(fx.adminUrl, 'GET', '/metrics')).text, 'ipgate_active_connections', '{listener="public"}') === 1, 3000, 'held');
  const started = Date.now();
  fx.ipgate.child.kill('SIGTERM');
  await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'stopping'), 2000, 'stopping');
  await sleep(50);
  const during = await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert });
  assert.equal(during.code, 7, 'new connections refused while draining');
  assert.equal(held.child.exitCode, null, 'the open connection is still served while draining');
  assert.equal(await fx.ipgate.exited, 0);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 550 && elapsed < 3000, `exited after ${elapsed} ms`);
  await held.exited;
  const stopped = fx.ipgate.logs().find((l) => l['event'] === 'stopped');
  assert.deepEqual([stopped?.['drained'], stopped?.['closed']], [false, 1]);
});

test('short form: --listen --upstream --ranges FILE; the file is the store and is watched', async (t) => {
  const { dir, remove } = await tempDir();
  const upstream = await startUpstream(dir);
  const ranges = join(dir, 'allow.txt');
  await writeFile(ranges, '# office\n127.0.0.2/32\n');
  const tokenFile = join(dir, 'token');
  const token = randomBytes(20).toString('hex');
  await writeFile(tokenFile, token);
  const ipgate = await startIpgateArgs(['--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.port}`, '--ranges', ranges, '--admin', '127.0.0.1:0', '--token-file', tokenFile, '--audit-log', 'off'], { cwd: dir });
  t.after(async () => {
    await ipgate.stop('SIGKILL');
    await upstream.close();
    await remove();
  });
  const port = ipgate.ports.get('public') ?? 0;
  assert.equal((await curlFrom('127.0.0.2', port, { cacert: upstream.cert })).code, 0);
  assert.notEqual((await curlFrom('127.0.0.3', port, { cacert: upstream.cert })).code, 0);
  await writeFile(ranges, '127.0.0.2/32, 127.0.0.3/32\n');
  await waitFor(() => ipgate.logs().find((l) => l['event'] === 'profile-applied'), 2000, 'applied');
  assert.equal((await curlFrom('127.0.0.3', port, { cacert: upstream.cert })).code, 0);
  // An emptied file is refused (it does not mean "allow everyone").
  await writeFile(ranges, '');
  await waitFor(() => ipgate.logs().find((l) => l['event'] === 'profile-rejected'), 2000, 'rejected');
  assert.notEqual((await curlFrom('127.0.0.4', port, { cacert: upstream.cert })).code, 0);
  // Admin writes go back to the file, one entry a line.
  await writeFile(ranges, '127.0.0.2/32\n127.0.0.3/32\n');
  await waitFor(() => ipgate.logs().filter((l) => l['event'] === 'profile-applied').length === 2, 2000, 'reapplied');
  const r = await adminRequest(ipgate.adminUrl ?? '', 'PATCH', '/v1/profile', { token, body: { add: ['127.0.0.4/32'], remove: ['127.0.0.3/32'] } });
  assert.equal(r.status, 200, r.text);
  assert.equal(await readFile(ranges, 'utf8'), '127.0.0.2/32\n127.0.0.4/32\n');
});
