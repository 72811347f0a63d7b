/**
 * What only shows off loopback, in a network namespace this test creates (`unshare -n`, addresses on its own
 * lo, nothing outside it touched): a gateway listener on a public address (198.51.100.1) with the admin API
 * on 127.0.0.1, where `whoami` warns that the admin API's view (a loopback address) is not the address the
 * gateway judges and `ranges add --mine` refuses to add it (ERR_MINE_ADDRESS, nothing changed); and a plain
 * HTTP admin API on a non-loopback address, which logs a warning at start.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { BIN, runIpgate, spawnTracked, type Spawned } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'netns-token-5d1c8e2a9f374b60';

/** `ipgate serve --config` inside a new network namespace whose lo also holds `addresses`. */
async function serveInNamespace(dir: string, config: Record<string, unknown>, addresses: readonly string[]): Promise<Spawned> {
  const file = join(dir, 'ipgate.yaml');
  await writeFile(file, stringify(config));
  const setup = ['ip link set lo up', ...addresses.map((a) => `ip addr add ${a}/32 dev lo`)].join(' && ');
  const spawned = spawnTracked('unshare', ['-n', 'sh', '-c', `${setup} && exec "${process.execPath}" "${BIN}" serve --config "${file}"`], { cwd: dir });
  await waitFor(async () => {
    if (spawned.stdout().includes('ipgate: ready')) return true;
    if (spawned.child.exitCode !== null) throw new Error(`ipgate serve exited:\n${spawned.stdout()}${spawned.stderr()}`);
    return false;
  }, 8000, 'ready in the namespace');
  return spawned;
}

/** `ipgate ARGS` inside the namespace of `serve`. */
function cliIn(serve: Spawned, args: readonly string[], cwd: string): ReturnType<typeof runIpgate> {
  return new Promise((resolve) => {
    const spawned = spawnTracked('nsenter', [`--net=/proc/${serve.child.pid ?? 0}/ns/net`, process.execPath, BIN, ...args], {
      cwd,
      env: { ...process.env, IPGATE_CONFIG_HOME: '/nonexistent/ipgate-config', IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONTEXT: '' },
    });
    spawned.child.stdin?.end();
    void spawned.exited.then((code) => resolve({ code, stdout: spawned.stdout(), stderr: spawned.stderr() }));
  });
}

function logs(serve: Spawned): Record<string, unknown>[] {
  return serve.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('listeners facing the internet, admin API on loopback: whoami warns, ranges add --mine refuses', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  await writeFile(join(dir, 'admin.token'), `${TOKEN}\n`, { mode: 0o600 });
  const serve = await serveInNamespace(dir, {
    upstream: '127.0.0.1:9',
    listeners: [{ name: 'public', address: '198.51.100.1:0' }, { name: 'internal', address: '127.0.0.1:0', enforce: false }],
    admin: { address: '127.0.0.1:0', tokenFile: 'admin.token' },
    store: { file: 'profile.json' },
    profile: { authorizedIpRanges: ['203.0.113.0/24'] },
  }, ['198.51.100.1']);
  t.after(() => serve.child.kill('SIGKILL'));
  const admin = /admin API on (http:\/\/\S+)/.exec(serve.stdout())?.[1] ?? '';
  const auth = ['--server', admin, '--token-file', join(dir, 'admin.token')];

  const who = await cliIn(serve, ['whoami', ...auth, '-o', 'json'], dir);
  assert.equal(who.code, 1, who.stderr);
  const body = JSON.parse(who.stdout) as { address: string; warnings: { code: string; message: string }[] };
  assert.equal(body.address, '127.0.0.1');
  assert.deepEqual(body.warnings.map((w) => w.code), ['WARN_ADMIN_ADDRESS_LOCAL']);
  assert.match(body.warnings[0]?.message ?? '', /public \(198\.51\.100\.1\)/);
  const table = await cliIn(serve, ['whoami', ...auth], dir);
  assert.match(table.stdout, /^warning: the admin API sees 127\.0\.0\.1, a loopback address.*\(WARN_ADMIN_ADDRESS_LOCAL\)$/m);

  const mine = await cliIn(serve, ['ranges', 'add', '--mine', ...auth], dir);
  assert.equal(mine.code, 2);
  assert.match(mine.stderr, /nothing was added.*\(ERR_MINE_ADDRESS\)/);
  assert.match(mine.stderr, /suggestion: .*ipgate refusals/);
  const show = await cliIn(serve, ['ranges', 'show', ...auth, '-o', 'json'], dir);
  assert.deepEqual((JSON.parse(show.stdout) as { authorizedIpRanges: string[] }).authorizedIpRanges, ['203.0.113.0/24'], 'nothing changed');
});

test('a plain HTTP admin API on a non-loopback address logs a warning at start; on loopback it does not', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  await writeFile(join(dir, 'admin.token'), `${TOKEN}\n`, { mode: 0o600 });
  const base = { upstream: '127.0.0.1:9', listeners: [{ name: 'public', address: '127.0.0.1:0' }], profile: { authorizedIpRanges: ['203.0.113.0/24'] } };
  const exposed = await serveInNamespace(dir, { ...base, admin: { address: '10.9.9.9:0', tokenFile: 'admin.token' } }, ['10.9.9.9']);
  t.after(() => exposed.child.kill('SIGKILL'));
  const warning = logs(exposed).find((l) => l['event'] === 'admin-plain-http');
  assert.equal(warning?.['level'], 'warn');
  assert.match(String(warning?.['address']), /^10\.9\.9\.9:\d+$/);
  assert.match(String(warning?.['problem']), /admin\.tls/);
  // Seen from inside that namespace, the admin API sees a private address; no listener faces the internet: no warning.
  const who = await cliIn(exposed, ['whoami', '--server', /admin API on (http:\/\/\S+)/.exec(exposed.stdout())?.[1] ?? '', '--token-file', join(dir, 'admin.token'), '-o', 'json'], dir);
  assert.deepEqual((JSON.parse(who.stdout) as { warnings: unknown[] }).warnings, []);

  const local = await serveInNamespace(dir, { ...base, admin: { address: '127.0.0.1:0', tokenFile: 'admin.token' } }, []);
  t.after(() => local.child.kill('SIGKILL'));
  assert.equal(logs(local).some((l) => l['event'] === 'admin-plain-http'), false);
});
