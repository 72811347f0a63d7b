/**
 * The admin token file under attack and under rotation: a token that SIGHUP did not re-read (so it could not
 * be rotated without a restart), a token file that is /dev/zero or a FIFO (the reader waited or read
 * forever), a file that turns bad at rotation time (it must neither open the API nor lock everyone out), and
 * a Kubernetes-style 0644 file (accepted, with a warning naming the mode).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminRequest, metricValue, opensslHold } from '../helpers/clients.js';
import { BIN, runIpgate, spawnTracked } from '../helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const PROFILE = { listeners: [{ name: 'public', address: '127.0.0.1:0' }], profile: { authorizedIpRanges: ['127.0.0.2/32'] } };

function newToken(): string {
  return randomBytes(24).toString('hex');
}

async function status(fx: GatewayFixture, token: string): Promise<number> {
  return (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token })).status;
}

/** Sends SIGHUP and waits until the gateway has handled it (its n-th `reload` line and what follows it). */
async function hangUp(fx: GatewayFixture): Promise<void> {
  const before = fx.ipgate.logs().filter((l) => l['event'] === 'reload').length;
  fx.ipgate.child.kill('SIGHUP');
  await waitFor(() => fx.ipgate.logs().filter((l) => l['event'] === 'reload').length > before, 3000, 'reload line');
  // The profile part of a reload is asynchronous; its outcome is logged or it changes nothing. Give it a beat.
  await new Promise((r) => setTimeout(r, 200));
}

/** Runs `ipgate ARGS`, killing it after `ms` (a reader stuck on a FIFO or a device never exits by itself; the bound is generous for a loaded machine). */
async function runBounded(args: readonly string[], cwd: string, ms = 20_000): Promise<{ code: number | string; stderr: string }> {
  const spawned = spawnTracked(process.execPath, [BIN, ...args], { cwd });
  spawned.child.stdin?.end();
  const timer = setTimeout(() => spawned.child.kill('SIGKILL'), ms);
  const code = await spawned.exited;
  clearTimeout(timer);
  return { code, stderr: spawned.stderr() };
}

test('SIGHUP re-reads the token file: the new token works at once, the old one is refused, open connections stay', async (t) => {
  const fx = await gatewayFixture(() => PROFILE);
  t.after(() => fx.close());
  assert.equal(await status(fx, fx.token), 200);
  const held = opensslHold('127.0.0.2', fx.port(), fx.upstream.cert);
  t.after(() => held.child.kill('SIGKILL'));
  await waitFor(async () => metricValue((await adminRequest(fx.adminUrl, 'GET', '/metrics')).text, 'ipgate_active_connections', '{listener="public"}') === 1, 5000, 'held connection');

  const rotated = newToken();
  await writeFile(join(fx.dir, 'admin.token'), `${rotated}\n`);
  assert.equal(await status(fx, rotated), 401, 'not before SIGHUP');
  await hangUp(fx);
  assert.equal(await status(fx, rotated), 200, 'the new token works after SIGHUP');
  assert.equal(await status(fx, fx.token), 401, 'the old token is refused');
  assert.ok(fx.ipgate.logs().some((l) => l['event'] === 'token-reloaded'));
  assert.ok(!fx.ipgate.stderr().includes(rotated) && !fx.ipgate.stderr().includes(fx.token), 'tokens are never logged');

  // The connection opened before the SIGHUP still carries traffic both ways.
  assert.equal(held.child.exitCode, null);
  held.child.stdin?.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  await waitFor(() => held.stdout().includes('"gitVersion"'), 5000, 'answer on the held connection');
});

test('a token file that turns bad at SIGHUP is logged with its code and the token in force stays', async (t) => {
  const fx = await gatewayFixture(() => PROFILE);
  t.after(() => fx.close());
  const file = join(fx.dir, 'admin.token');
  const rejected = (): Record<string, unknown>[] => fx.ipgate.logs().filter((l) => l['event'] === 'token-file-rejected');

  const cases: [string, () => Promise<void>, RegExp][] = [
    ['removed', () => rm(file, { force: true }), /no such file/],
    ['too short', () => writeFile(file, 'short\n'), /at least 16/],
    ['two tokens', () => writeFile(file, `${newToken()} ${newToken()}\n`), /exactly one token/],
    ['empty', () => writeFile(file, ''), /empty/],
    ['a directory', () => mkdir(file), /directory/],
  ];
  for (const [name, breakIt, why] of cases) {
    await rm(file, { recursive: true, force: true });
    await breakIt();
    const before = rejected().length;
    await hangUp(fx);
    const line = await waitFor(() => rejected()[before], 2000, `token-file-rejected (${name})`);
    assert.equal(line['code'], 'ERR_TOKEN_FILE', name);
    assert.equal(line['file'], file, name);
    assert.match(String(line['problem']), why, name);
    assert.equal(await status(fx, fx.token), 200, `${name}: the token in force still works`);
    assert.equal(await status(fx, ''), 401, `${name}: never fail open`);
  }
  // A FIFO at rotation time: refused without waiting for a writer (the gateway keeps answering).
  await rm(file, { recursive: true, force: true });
  execFileSync('mkfifo', [file]);
  const before = rejected().length;
  await hangUp(fx);
  const line = await waitFor(() => rejected()[before], 2000, 'token-file-rejected (FIFO)');
  assert.match(String(line['problem']), /FIFO/);
  assert.equal(await status(fx, fx.token), 200);
});

test('a token file that is a FIFO, a directory or over 4 KiB is refused at start (ERR_TOKEN_FILE), without hanging', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  await writeFile(join(dir, 'allow.txt'), '127.0.0.2/32\n');
  execFileSync('mkfifo', [join(dir, 'fifo.token')]);
  await mkdir(join(dir, 'dir.token'));
  await writeFile(join(dir, 'big.token'), 'a'.repeat(5000));
  for (const [name, why] of [['fifo.token', /FIFO/], ['dir.token', /directory/], ['big.token', /5000 bytes/]] as const) {
    const run = await runBounded(['serve', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--ranges', 'allow.txt', '--admin', '127.0.0.1:0', '--token-file', name], dir);
    assert.equal(run.code, 2, `${name}: ${run.stderr}`);
    assert.match(run.stderr, /ERR_TOKEN_FILE/, name);
    assert.ok(run.stderr.includes(name), `${name}: the message names the file: ${run.stderr}`);
    assert.match(run.stderr, why, name);
  }
  // The CLI reads token files by the same rules.
  const cli = await runBounded(['whoami', '--server', 'http://127.0.0.1:9', '--token-file', 'fifo.token'], dir);
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /ERR_TOKEN_FILE/);
  assert.match(cli.stderr, /FIFO/);
});

test('a token file that is /dev/zero is refused at once (the gateway and the CLI)', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  await writeFile(join(dir, 'allow.txt'), '127.0.0.2/32\n');
  await symlink('/dev/zero', join(dir, 'zero.token'));
  const serve = await runBounded(['serve', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--ranges', 'allow.txt', '--admin', '127.0.0.1:0', '--token-file', 'zero.token'], dir);
  assert.equal(serve.code, 2, serve.stderr);
  assert.match(serve.stderr, /ERR_TOKEN_FILE/);
  assert.match(serve.stderr, /character device/);
  const cli = await runBounded(['whoami', '--server', 'http://127.0.0.1:9', '--token-file', '/dev/zero'], dir);
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /ERR_TOKEN_FILE/);
});

test('a group- or world-readable token file is accepted with a warning naming its mode', async (t) => {
  const fx = await gatewayFixture(() => PROFILE);
  t.after(() => fx.close());
  const file = join(fx.dir, 'admin.token');
  const warnings = (): Record<string, unknown>[] => fx.ipgate.logs().filter((l) => l['event'] === 'token-file-mode');
  const before = warnings().length;
  await chmod(file, 0o644); // a Kubernetes Secret volume's default
  await hangUp(fx);
  const warning = warnings()[before];
  assert.ok(warning !== undefined, fx.ipgate.stderr());
  assert.deepEqual([warning['level'], warning['file'], warning['mode']], ['warn', file, '0644']);
  assert.equal(await status(fx, fx.token), 200, 'accepted');
  await chmod(file, 0o600);
  await hangUp(fx);
  assert.equal(warnings().length, before + 1, 'no warning for 0600');
  assert.equal(await status(fx, fx.token), 200);
});

test('the CLI still accepts any non-empty token without whitespace (the server judges it)', async (t) => {
  const fx = await gatewayFixture(() => PROFILE);
  t.after(() => fx.close());
  await writeFile(join(fx.dir, 'short.token'), 'abc\n');
  const run = await runIpgate(['whoami', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'short.token')], fx.dir);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /ERR_UNAUTHORIZED/, 'sent to the server, which refuses it');
  assert.doesNotMatch(run.stderr, /ERR_TOKEN_FILE/);
  await writeFile(join(fx.dir, 'good.token'), `${fx.token}\n`);
  const ok = await runIpgate(['whoami', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'good.token')], fx.dir);
  assert.notEqual(ok.code, 2, ok.stderr);
});
