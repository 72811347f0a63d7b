/**
 * The change history stays bounded: the file store's history file is rotated before it would grow past its
 * size (one rotated file kept, both read), and the etcd store keeps the newest records of a profile and
 * deletes older ones (a real etcd), while the history read stays newest first.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Profile } from '../src/policy/profile.js';
import { EtcdHistory } from '../src/store/etcd-history.js';
import { historyPrefix, profileKey } from '../src/store/etcd-keys.js';
import { EtcdStore } from '../src/store/etcd-store.js';
import { FileStore } from '../src/store/file-store.js';
import { historyFileOf } from '../src/store/history-file.js';
import { startEtcd, type RunningEtcd } from './helpers/etcd.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

let etcd: RunningEtcd;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.close();
});

const profileNo = (i: number): Profile => ({ authorizedIpRanges: ['10.0.0.0/8', `192.0.2.${i}/32`], egressIpRanges: [] });
const origin = (i: number) => ({ actor: `writer-${i}`, address: '192.0.2.250', path: 'admin-api' as const });

test('the file store rotates its history file before it grows past its size, keeping one rotated file', async () => {
  const { dir, remove } = await tempDir();
  const file = join(dir, 'profile.json');
  const maxBytes = 2000;
  const store = await FileStore.open({ file, format: 'json', seed: profileNo(0), historyMaxBytes: maxBytes });
  try {
    const writes = 40;
    for (let i = 1; i <= writes; i++) await store.compareAndSwap(store.get().revision, profileNo(i), origin(i));
    const history = historyFileOf(file);
    assert.ok((await stat(history)).size <= maxBytes, 'the current file stays within its size');
    assert.ok((await stat(`${history}.1`)).size <= maxBytes, 'so does the rotated one');
    const lines = (await readFile(history, 'utf8')).trim().split('\n').length + (await readFile(`${history}.1`, 'utf8')).trim().split('\n').length;
    const records = await store.history({ limit: 1000 });
    assert.equal(records.length, lines, 'both files are read');
    assert.ok(records.length < writes, `older records were dropped (${records.length} of ${writes} kept)`);
    assert.deepEqual(records.map((r) => r.actor), Array.from({ length: records.length }, (_, k) => `writer-${writes - k}`), 'newest first, none missing in between');
  } finally {
    await store.close();
    await remove();
  }
});

test('the etcd store keeps the newest records of a profile and deletes older ones', async () => {
  const prefix = '/bounds/';
  const keep = 6;
  const store = await EtcdStore.open({ endpoints: [etcd.endpoint], prefix, profile: 'default', seed: profileNo(0), timeoutMs: 2000, historyKeep: keep });
  try {
    const writes = 20;
    for (let i = 1; i <= writes; i++) await store.compareAndSwap(store.get().revision, profileNo(i), origin(i));
    // Trimming follows the writes (it is not part of them): at most `keep` plus a twentieth remain.
    const most = keep + Math.ceil(keep / 20);
    const keys = await waitFor(async () => {
      const n = await etcd.client().getAll().prefix(`${prefix}history/default/`).count();
      return n <= most ? n : undefined;
    }, 5000, 'the trimmed history');
    assert.ok(keys >= keep, `the newest ${keep} are kept (${keys} keys)`);
    // A trim still running may take one more old record away meanwhile, never one of the newest `keep`.
    const records = await store.history({ limit: 100 });
    assert.ok(records.length >= keep && records.length <= most, `${records.length} records`);
    assert.deepEqual(records.slice(0, keep).map((r) => r.actor), Array.from({ length: keep }, (_, k) => `writer-${writes - k}`), 'newest first');
  } finally {
    await store.close();
  }
});

test('a write whose record was trimmed before an instance\'s watch saw it is not recorded again as a hand edit', async () => {
  const prefix = '/late/';
  const store = await EtcdStore.open({ endpoints: [etcd.endpoint], prefix, profile: 'default', seed: profileNo(0), timeoutMs: 2000 });
  try {
    const client = etcd.client();
    const key = profileKey(prefix, 'default');
    const before = await client.get(key).exec();
    const beforeKv = before.kvs[0];
    assert.ok(beforeKv !== undefined);
    await store.compareAndSwap(store.get().revision, profileNo(1), origin(1));
    const now = (await client.get(key).exec()).kvs[0];
    assert.ok(now !== undefined);
    // The trim of a burst of writes deletes this write's record before a lagging watch reports the change.
    await client.delete().prefix(historyPrefix(prefix, 'default'));
    const history = new EtcdHistory(client, prefix);
    const noticed = await history.recordNoticed({
      name: 'default',
      now: { modRevision: Number(now.mod_revision), value: now.value.toString('utf8') },
      before: { modRevision: Number(beforeKv.mod_revision), value: beforeKv.value.toString('utf8') },
      decode: (value) => JSON.parse(value) as Profile,
    });
    assert.equal(noticed, undefined, 'the write went through ipgate: not a hand edit');
    assert.equal(await client.getAll().prefix(historyPrefix(prefix, 'default')).count(), 0, 'no record re-created');
    // A value put by hand (no record in its transaction) is still recorded, once (by the store's own watch).
    await client.put(key).value(JSON.stringify(profileNo(2)));
    const records = await waitFor(async () => {
      const r = await store.history({ limit: 10 });
      return r.some((x) => x.actor === 'etcd') ? r : undefined;
    }, 5000, 'the hand edit recorded');
    assert.equal(records.filter((x) => x.actor === 'etcd').length, 1);
    assert.equal(records.length, 1, 'only the hand edit: the trimmed write stays trimmed');
  } finally {
    await store.close();
  }
});
