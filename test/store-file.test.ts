import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { IpgateError } from '../src/errors.js';
import { decodeList, encodeList, LIST_DISABLED_MARKER } from '../src/store/codec.js';
import { FileStore } from '../src/store/file-store.js';
import type { StoreEvent } from '../src/store/types.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const seed = { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: ['20.50.1.7/32'] };

test('file store: seeded when missing, compare-and-swap, stale revision refused', async (t) => {
  const { dir, remove } = await tempDir();
  const file = join(dir, 'state', 'profile.json');
  const store = await FileStore.open({ file, format: 'json', seed });
  t.after(async () => {
    await store.close();
    await remove();
  });
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), seed);
  const first = store.get();
  const events: StoreEvent[] = [];
  store.watch((e) => events.push(e));
  const next = await store.compareAndSwap(first.revision, { ...seed, authorizedIpRanges: ['198.51.100.0/24'] });
  assert.notEqual(next.revision, first.revision);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).authorizedIpRanges, ['198.51.100.0/24']);
  assert.equal(events[0]?.kind, 'changed');
  await assert.rejects(store.compareAndSwap(first.revision, seed), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_PRECONDITION');
  await assert.rejects(store.compareAndSwap(next.revision, { authorizedIpRanges: ['10.0.0.1/24'], egressIpRanges: [] }), (e: unknown) => e instanceof IpgateError);
  assert.deepEqual(store.get().profile.authorizedIpRanges, ['198.51.100.0/24']);
  assert.deepEqual((await readdir(join(dir, 'state'))).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
});

test('file store: edits on disk are picked up; a corrupt file is rejected and the last good profile kept', async (t) => {
  const { dir, remove } = await tempDir();
  const file = join(dir, 'profile.json');
  await writeFile(file, JSON.stringify(seed));
  const store = await FileStore.open({ file, format: 'json' });
  t.after(async () => {
    await store.close();
    await remove();
  });
  const events: StoreEvent[] = [];
  store.watch((e) => events.push(e));
  await writeFile(file, JSON.stringify({ authorizedIpRanges: ['203.0.113.0/24'], egressIpRanges: [] }));
  await waitFor(() => events.some((e) => e.kind === 'changed'), 2000, 'change event');
  assert.deepEqual(store.get().profile.authorizedIpRanges, ['203.0.113.0/24']);
  const good = store.get().revision;
  await writeFile(file, '{"authorizedIpRanges": ["203.0.113.1/24"]');
  const rejected = await waitFor(() => events.find((e) => e.kind === 'rejected'), 2000, 'rejected event');
  assert.equal(rejected.kind === 'rejected' && rejected.error.code, 'ERR_STORE_INVALID');
  await writeFile(file, '{"authorizedIpRanges": ["203.0.113.1/24"]}');
  await waitFor(() => events.filter((e) => e.kind === 'rejected').length >= 2, 2000, 'second rejection');
  const last = events.at(-1);
  assert.match(last?.kind === 'rejected' ? last.error.message : '', /203\.0\.113\.1\/24/);
  assert.equal(store.get().revision, good);
  assert.deepEqual(store.get().profile.authorizedIpRanges, ['203.0.113.0/24']);
});

test('missing file without a seed is an error', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  await assert.rejects(FileStore.open({ file: join(dir, 'none.txt'), format: 'list' }), /does not exist/);
});

test('list format: comments, commas, an empty file refused, the disabled marker explicit', () => {
  assert.deepEqual(decodeList('# office\n192.0.2.0/24, 198.51.100.7 # vpn\n\n  2001:db8::/32  \n', 'f').authorizedIpRanges, ['192.0.2.0/24', '198.51.100.7', '2001:db8::/32']);
  assert.throws(() => decodeList('# nothing\n\n', 'f'), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_STORE_INVALID' && (e.suggestion ?? '').includes('disabled'));
  assert.deepEqual(decodeList(`${LIST_DISABLED_MARKER}\n`, 'f').authorizedIpRanges, []);
  assert.equal(encodeList({ authorizedIpRanges: [], egressIpRanges: [] }, 'f'), `${LIST_DISABLED_MARKER}\n`);
  assert.throws(() => encodeList({ authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: ['20.50.1.7/32'] }, 'f'), /egressIpRanges/);
  assert.throws(() => decodeList('192.0.2.1/24\n', 'f'), /192\.0\.2\.0\/24/);
});

test('refresh (SIGHUP) re-reads now and reports a bad file again', async (t) => {
  const { dir, remove } = await tempDir();
  const file = join(dir, 'allow.txt');
  await writeFile(file, '192.0.2.0/24\n');
  const store = await FileStore.open({ file, format: 'list', debounceMs: 10_000 });
  t.after(async () => {
    await store.close();
    await remove();
  });
  const events: StoreEvent[] = [];
  store.watch((e) => events.push(e));
  await writeFile(file, '198.51.100.0/24\n');
  await store.refresh();
  assert.deepEqual(store.get().profile.authorizedIpRanges, ['198.51.100.0/24'], 'picked up without waiting for the watcher');
  await writeFile(file, '198.51.100.1/24\n');
  await store.refresh();
  await store.refresh();
  assert.equal(events.filter((e) => e.kind === 'rejected').length, 2);
  assert.deepEqual(store.get().profile.authorizedIpRanges, ['198.51.100.0/24']);
});

test('a write reads an edit on disk the watcher has not read yet (same size, in place), and refuses a stale revision', async (t) => {
  const { dir, remove } = await tempDir();
  const file = join(dir, 'allow.txt');
  await writeFile(file, '192.0.2.0/24\n');
  const store = await FileStore.open({ file, format: 'list', debounceMs: 10_000 });
  t.after(async () => {
    await store.close();
    await remove();
  });
  const written = await store.compareAndSwap(store.get().revision, { authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] });
  // The same number of bytes, written into the same file: only its times tell the edit apart.
  await writeFile(file, '203.0.113.0/24\n');
  await assert.rejects(store.compareAndSwap(written.revision, { authorizedIpRanges: ['198.51.100.0/25'], egressIpRanges: [] }),
    (e: unknown) => e instanceof IpgateError && e.code === 'ERR_PRECONDITION');
  assert.deepEqual(store.get().profile.authorizedIpRanges, ['203.0.113.0/24']);
  assert.equal(await readFile(file, 'utf8'), '203.0.113.0/24\n');
  // A write from the revision it now holds goes through, and reads back as written.
  const next = await store.compareAndSwap(store.get().revision, { authorizedIpRanges: ['203.0.113.0/24', '198.51.100.7'], egressIpRanges: [] });
  assert.deepEqual(next.profile.authorizedIpRanges, ['203.0.113.0/24', '198.51.100.7']);
  assert.equal(await readFile(file, 'utf8'), '203.0.113.0/24\n198.51.100.7\n');
});
