/**
 * `kill -9` during an atomic write leaves its temporary file (`.profile.json.<pid>.<rand>.tmp`) behind, and
 * every crash added one more. Start-up removes ipgate's own stale ones next to the store file and next to the
 * etcd cache file, and never a file a running process may still be writing, nor anything else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';
import { startIpgate } from '../helpers/ipgate.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/** The pid of a process that has exited (and so names no running process). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  const pid = child.pid;
  assert.ok(pid !== undefined && pid > 0);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the pid is free');
  return pid;
}

/** Stale and non-stale temporary files around `name` in `dir`; returns which must go and which must stay. */
async function plant(dir: string, name: string): Promise<{ gone: string[]; kept: string[] }> {
  const dead = deadPid();
  const gone = [`.${name}.${dead}.0a1b2c3d.tmp`, `.${name}.${dead}.ffffffff.tmp`];
  const kept = [
    `.${name}.${process.pid}.0a1b2c3d.tmp`, // a live writer (this test process)
    `.${name}.1.0a1b2c3d.tmp`, // pid 1 runs (init)
    `.${name}.${dead}.xyz.tmp`, // not the pattern writeFileAtomic uses
    `.${name}.${dead}.0a1b2c3d.tmp.bak`,
    `${name}.${dead}.0a1b2c3d.tmp`,
    `.other.json.${dead}.0a1b2c3d.tmp`, // another target's
  ];
  await mkdir(dir, { recursive: true });
  for (const f of [...gone, ...kept]) await writeFile(join(dir, f), '{"half":');
  return { gone, kept };
}

async function assertSwept(dir: string, planted: { gone: string[]; kept: string[] }): Promise<void> {
  const left = await readdir(dir);
  for (const f of planted.gone) assert.ok(!left.includes(f), `${f} (dead writer) is removed`);
  for (const f of planted.kept) assert.ok(left.includes(f), `${f} is kept`);
}

test('start-up removes stale temp files of the store file, only those of dead writers', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const state = join(dir, 'state');
  const planted = await plant(state, 'profile.json');
  await writeFile(join(state, 'profile.json'), '{"authorizedIpRanges":["127.0.0.2/32"],"egressIpRanges":[]}\n');
  const ipgate = await startIpgate(dir, {
    upstream: '127.0.0.1:9',
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    store: { file: 'state/profile.json' },
    auditLog: 'off',
  });
  t.after(() => ipgate.stop('SIGKILL'));
  await assertSwept(state, planted);
});

test('start-up removes stale temp files of the etcd cache file (etcd unreachable: the cache is read)', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const state = join(dir, 'state');
  const planted = await plant(state, 'lkg.json');
  const closedPort = await freePort();
  const ipgate = await startIpgate(
    dir,
    {
      upstream: '127.0.0.1:9',
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      store: { etcd: { endpoints: [`http://127.0.0.1:${closedPort}`] }, cacheFile: 'state/lkg.json' },
      auditLog: 'off',
    },
    { readyTimeoutMs: 15_000 },
  );
  t.after(() => ipgate.stop('SIGKILL'));
  await assertSwept(state, planted);
});

test('start-up removes stale temp files of the etcd cache file (etcd up: the cache is written)', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.close());
  const { dir, remove } = await tempDir();
  t.after(remove);
  const state = join(dir, 'state');
  const planted = await plant(state, 'lkg.json');
  const ipgate = await startIpgate(dir, {
    upstream: '127.0.0.1:9',
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    store: { etcd: { endpoints: [etcd.endpoint], prefix: '/temp-files-test/' }, cacheFile: 'state/lkg.json' },
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    auditLog: 'off',
  });
  t.after(() => ipgate.stop('SIGKILL'));
  await waitFor(async () => (await readdir(state)).includes('lkg.json'), 5000, 'cache written');
  await assertSwept(state, planted);
});
