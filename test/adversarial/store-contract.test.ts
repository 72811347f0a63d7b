/**
 * The store contract: one suite run against every store implementation (memory, file in both formats, etcd).
 * A store that passes it can be trusted by the gateway: invalid values of every shape are kept out and the
 * last good profile stays, "disabled" is only read from an explicit statement, a stale compare-and-swap is
 * refused, of concurrent writers on one revision exactly one wins, external changes are picked up, a deleted
 * value is reported (never re-seeded), and a start with an invalid value does not enforce it. Notes and
 * expiry times of entries survive a write and a fresh read, every change is recorded in the history (with
 * who made it, the entries and the ETags), a change behind the store's back once, and a list file keeps its
 * comments.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { IpgateError } from '../../src/errors.js';
import { profileWithInfo, toWire } from '../../src/policy/entry-info.js';
import type { Profile } from '../../src/policy/profile.js';
import { LIST_DISABLED_MARKER } from '../../src/store/codec.js';
import { EtcdStore } from '../../src/store/etcd-store.js';
import { REFUSE_EVERYONE } from '../../src/store/etcd-keys.js';
import { FileStore } from '../../src/store/file-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { ProfileStore, StoreEvent } from '../../src/store/types.js';
import { startEtcd, type RunningEtcd } from '../helpers/etcd.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const GOOD: Profile = { authorizedIpRanges: ['192.0.2.0/24', '198.51.100.7/32'], egressIpRanges: [] };
const OTHER: Profile = { authorizedIpRanges: ['203.0.113.0/24'], egressIpRanges: [] };

/** JSON values that must never be enforced (each would have read as "disabled" or as something else). */
export const BAD_JSON: readonly string[] = [
  '{}',
  '{"authorizedIpRanges":null}',
  '{"egressIpRanges":[]}',
  '{"authorizedIpRanges":"10.0.0.0/8"}',
  '{"authorizedIpRanges":{}}',
  '{"authorizedIpRanges":[1]}',
  '{"authorizedIpRanges":[null]}',
  '{"authorizedIpRanges":true}',
  '{"authorizedIpRanges":[]}',
  '{"authorizedIpRanges":[],"egressIpRanges":[]}',
  '{"authorizedIpRanges":[],"disabled":false}',
  '{"authorizedIpRanges":[],"disabled":"true"}',
  '{"authorizedIpRanges":[],"disabled":null}',
  '{"authorizedIpRanges":["10.0.0.0/8"],"disabled":true}',
  '{"authorizedIpRanges":["127.0.0.1/32"],"authorizedIpRanges":[]}',
  '{"authorizedIpRanges":[],"disabled":true,"disabled":false}',
  '{"authorizedIpRanges":["10.0.0.0/8"],"egressIpRanges":null}',
  '{"authorizedIpRanges":["10.0.0.0/8"],"egressIpRanges":"52.1.2.3"}',
  '{"authorizedIpRanges":["10.0.0.0/8"],"extra":1}',
  '{"authorizedIpRanges":["10.0.0.1/24"]}',
  '{"authorizedIpRanges":["0.0.0.0/32","10.0.0.0/8"]}',
  'null',
  '[]',
  '"10.0.0.0/8"',
  '0',
  '',
  'not json',
  '{"authorizedIpRanges":["10.0.0.0/8"]',
];

/** List-file values that must never be enforced. */
export const BAD_LIST: readonly string[] = [
  '',
  '\n\n',
  '   \n',
  '# only a comment\n',
  '# ipgate: disabled ranges were moved to allow-old.txt\n',
  '#ipgate: disabled\n',
  '# ipgate: disabled\n',
  `${LIST_DISABLED_MARKER} until Friday\n`,
  `x ${LIST_DISABLED_MARKER}\n`,
  `${LIST_DISABLED_MARKER}\n10.0.0.0/8\n`,
  '10.0.0.1/24\n',
  '010.0.0.0/8\n',
  'fe80::1%eth0\n',
];

interface Harness {
  readonly format: 'json' | 'list';
  /** A store holding `profile` (with `seed` when the implementation seeds). */
  open(profile: Profile): Promise<ProfileStore>;
  /** Writes a raw value behind the store's back (absent: the store has no backing to write). */
  writeRaw?(text: string): Promise<void>;
  /** Deletes the backing value behind the store's back. */
  deleteRaw?(): Promise<void>;
  /** The raw value as stored now. */
  readRaw?(): Promise<string | undefined>;
  /** Opens a new store whose backing holds `text` at start: resolves to what it enforces, or rejects. */
  openOn?(text: string): Promise<ProfileStore>;
  /** What a store opened on an unusable value enforces instead (absent: it refuses to open). */
  readonly fallback?: Profile;
  /** A second store on the backing value of the last one opened (another instance of a shared store). */
  openAnother?(): Promise<ProfileStore>;
  /** The history path of a change made behind the store's back. */
  readonly externalPath?: 'file' | 'etcd';
  cleanup(): Promise<void>;
}

const NOTED: Profile = profileWithInfo(['192.0.2.0/24', '198.51.100.7/32', '203.0.113.9/32'], [], {
  authorizedIpRanges: new Map([
    ['198.51.100.7/32', { note: 'Alice, VPN outage; back Monday # really' }],
    ['203.0.113.9/32', { note: 'CI runner', expires: '2031-05-06T07:08:09Z' }],
  ]),
});

function expectCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof IpgateError, `an IpgateError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

function contract(name: string, make: () => Promise<Harness>): void {
  describe(`store contract: ${name}`, () => {
    let h: Harness;
    const stores: ProfileStore[] = [];
    const open = async (profile: Profile): Promise<ProfileStore> => {
      const store = await h.open(profile);
      stores.push(store);
      return store;
    };
    before(async () => {
      h = await make();
    });
    after(async () => {
      for (const s of stores) await s.close();
      await h.cleanup();
    });

    test('invalid values of every shape are refused and the last good profile stays', async (t) => {
      if (h.writeRaw === undefined) return t.skip('no backing value to write behind the store');
      const store = await open(GOOD);
      const good = store.get();
      const events: StoreEvent[] = [];
      store.watch((e) => events.push(e));
      for (const bad of h.format === 'json' ? BAD_JSON : BAD_LIST) {
        events.length = 0;
        await h.writeRaw(bad);
        await store.refresh();
        await waitFor(() => events.some((e) => e.kind === 'rejected'), 3000, `rejection of ${JSON.stringify(bad)}`);
        const rejected = events.find((e) => e.kind === 'rejected');
        assert.equal(rejected?.kind === 'rejected' ? rejected.error.code : '', 'ERR_STORE_INVALID', JSON.stringify(bad));
        assert.ok(!events.some((e) => e.kind === 'changed'), `no change adopted for ${JSON.stringify(bad)}`);
        assert.deepEqual(store.get(), good, `last good kept after ${JSON.stringify(bad)}`);
      }
    });

    test('a rejection names the key and the problem', async (t) => {
      if (h.writeRaw === undefined || h.format !== 'json') return t.skip('JSON backing only');
      const store = await open(GOOD);
      const events: StoreEvent[] = [];
      store.watch((e) => events.push(e));
      await h.writeRaw('{"authorizedIpRanges":null}');
      await store.refresh();
      const e = await waitFor(() => events.find((x) => x.kind === 'rejected'), 3000, 'rejection');
      assert.match(e.kind === 'rejected' ? e.error.message : '', /"authorizedIpRanges" is null/);
    });

    test('a compare-and-swap with a malformed profile object is refused, changing nothing', async () => {
      const store = await open(GOOD);
      const good = store.get();
      const malformed = [
        { authorizedIpRanges: null, egressIpRanges: [] },
        { authorizedIpRanges: ['10.0.0.1/24'], egressIpRanges: [] },
        { authorizedIpRanges: ['10.0.0.0/8'], egressIpRanges: null },
        { authorizedIpRanges: [7], egressIpRanges: [] },
      ] as unknown as Profile[];
      for (const bad of malformed) {
        await assert.rejects(store.compareAndSwap(good.revision, bad), (e: unknown) => e instanceof IpgateError, JSON.stringify(bad));
        assert.deepEqual(store.get(), good);
      }
      if (h.readRaw !== undefined) assert.notEqual(await h.readRaw(), undefined);
    });

    test('a stale compare-and-swap is refused with ERR_PRECONDITION', async () => {
      const store = await open(GOOD);
      const first = store.get();
      const second = await store.compareAndSwap(first.revision, OTHER);
      assert.notEqual(second.revision, first.revision);
      await assert.rejects(store.compareAndSwap(first.revision, GOOD), expectCode('ERR_PRECONDITION'));
      assert.deepEqual(store.get().profile, OTHER);
    });

    test('of concurrent writers on one revision exactly one wins', async () => {
      const store = await open(GOOD);
      const base = store.get().revision;
      const writes = Array.from({ length: 8 }, (_, i) => store.compareAndSwap(base, { authorizedIpRanges: [`198.18.${i}.0/24`], egressIpRanges: [] }));
      const results = await Promise.allSettled(writes);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, 'exactly one write wins');
      for (const r of results) if (r.status === 'rejected') expectCode('ERR_PRECONDITION')(r.reason);
      assert.deepEqual(store.get(), won[0]?.status === 'fulfilled' ? won[0].value : undefined);
    });

    test('"disabled" is written explicitly and read back only from that statement', async () => {
      const store = await open(GOOD);
      const disabled = await store.compareAndSwap(store.get().revision, { authorizedIpRanges: [], egressIpRanges: [] });
      assert.deepEqual(disabled.profile.authorizedIpRanges, []);
      if (h.readRaw === undefined) return;
      const raw = (await h.readRaw()) ?? '';
      if (h.format === 'json') assert.equal((JSON.parse(raw) as { disabled?: unknown }).disabled, true);
      else assert.equal(raw.trim(), LIST_DISABLED_MARKER);
      if (h.openOn !== undefined) {
        const again = await h.openOn(raw);
        stores.push(again);
        assert.deepEqual(again.get().profile.authorizedIpRanges, []);
      }
    });

    test('a valid change made behind the store is picked up', async (t) => {
      if (h.writeRaw === undefined) return t.skip('no backing value to write behind the store');
      const store = await open(GOOD);
      const events: StoreEvent[] = [];
      store.watch((e) => events.push(e));
      await h.writeRaw(h.format === 'json' ? JSON.stringify(OTHER) : '203.0.113.0/24\n');
      const changed = await waitFor(() => events.find((e) => e.kind === 'changed' && e.snapshot.profile.authorizedIpRanges[0] === OTHER.authorizedIpRanges[0]), 3000, 'the change');
      assert.equal(changed.kind === 'changed' ? changed.origin : '', 'external');
      assert.deepEqual(store.get().profile.authorizedIpRanges, OTHER.authorizedIpRanges);
    });

    test('a deleted value is reported, the last good profile stays, and the seed is not written again', async (t) => {
      if (h.deleteRaw === undefined) return t.skip('no backing value to delete');
      const store = await open(GOOD);
      const changed = await store.compareAndSwap(store.get().revision, OTHER);
      const events: StoreEvent[] = [];
      store.watch((e) => events.push(e));
      await h.deleteRaw();
      await store.refresh();
      await waitFor(() => events.some((e) => e.kind === 'rejected'), 3000, 'the deletion reported');
      // Give a re-seeding store every chance to do it.
      await new Promise((r) => setTimeout(r, 1500));
      await store.refresh();
      assert.deepEqual(store.get(), changed, 'the last good profile stays');
      assert.equal(await h.readRaw?.(), undefined, 'nothing re-created the value from the seed');
      // A write through the store (with the ETag in force) puts a profile back.
      const repaired = await store.compareAndSwap(changed.revision, GOOD);
      assert.deepEqual(repaired.profile, GOOD);
      assert.notEqual(await h.readRaw?.(), undefined);
    });

    test('notes and expiry times survive a write and a fresh read of the stored value', async () => {
      const store = await open(GOOD);
      const written = await store.compareAndSwap(store.get().revision, NOTED);
      assert.deepEqual(toWire(written.profile), toWire(NOTED));
      assert.deepEqual(toWire(store.get().profile), toWire(NOTED));
      if (h.readRaw === undefined) return;
      const raw = (await h.readRaw()) ?? '';
      assert.match(raw, /Alice, VPN outage; back Monday # really/);
      assert.match(raw, /2031-05-06T07:08:09Z/);
      if (h.openOn !== undefined) {
        const again = await h.openOn(raw);
        stores.push(again);
        assert.deepEqual(toWire(again.get().profile), toWire(NOTED));
      }
    });

    test('every write is recorded: who, from where, which entries, the ETags before and after', async () => {
      const store = await open(GOOD);
      const events: StoreEvent[] = [];
      store.watch((e) => events.push(e));
      const first = store.get();
      const second = await store.compareAndSwap(first.revision, NOTED, { actor: 'ci-pipeline', address: '192.0.2.10', path: 'admin-api' });
      const third = await store.compareAndSwap(second.revision, OTHER, { actor: 'expiry', address: null, path: 'expiry' });
      const history = await store.history({ limit: 10 });
      assert.equal(history.length, 2, JSON.stringify(history));
      const [newest, older] = history;
      assert.deepEqual(
        { actor: older?.actor, address: older?.address, path: older?.path, profile: older?.profile, etagBefore: older?.etagBefore, etagAfter: older?.etagAfter },
        { actor: 'ci-pipeline', address: '192.0.2.10', path: 'admin-api', profile: 'default', etagBefore: `"${first.revision}"`, etagAfter: `"${second.revision}"` },
      );
      assert.deepEqual(new Set(older?.added.map((e) => JSON.stringify(e))), new Set([
        JSON.stringify({ range: '198.51.100.7/32', note: 'Alice, VPN outage; back Monday # really' }),
        JSON.stringify({ range: '203.0.113.9/32', note: 'CI runner', expires: '2031-05-06T07:08:09Z' }),
      ]));
      assert.deepEqual(older?.removed, ['198.51.100.7/32']);
      assert.equal(newest?.path, 'expiry');
      assert.equal(newest?.etagAfter, `"${third.revision}"`);
      assert.deepEqual(newest?.added, ['203.0.113.0/24']);
      assert.equal(newest?.removedCount, 3);
      assert.equal((await store.history({ limit: 1 })).length, 1, 'limit');
      assert.equal(events.filter((e) => e.kind === 'recorded').length, 2, 'each record is reported (and so logged)');
    });

    test('a change behind the store\'s back is recorded, once', async (t) => {
      if (h.writeRaw === undefined || h.externalPath === undefined) return t.skip('no backing value to write behind the store');
      const store = await open(GOOD);
      const others = h.openAnother === undefined ? [] : [await h.openAnother(), await h.openAnother()];
      stores.push(...others);
      await h.writeRaw(h.format === 'json' ? JSON.stringify(OTHER) : '203.0.113.0/24\n');
      await waitFor(() => store.get().profile.authorizedIpRanges[0] === '203.0.113.0/24', 3000, 'the change picked up');
      const revision = store.get().revision;
      const mine = await waitFor(async () => {
        const history = await store.history({ limit: 10 });
        return history.some((r) => r.etagAfter === `"${revision}"`) ? history : undefined;
      }, 3000, 'the record');
      // Give the other instances every chance to record it again.
      await new Promise((r) => setTimeout(r, 500));
      const records = (await store.history({ limit: 10 })).filter((r) => r.etagAfter === `"${revision}"`);
      assert.equal(records.length, 1, JSON.stringify(mine));
      assert.equal(records[0]?.path, h.externalPath);
      assert.equal(records[0]?.actor, h.externalPath);
      assert.equal(records[0]?.address, null);
      assert.deepEqual(records[0]?.added, ['203.0.113.0/24']);
      assert.deepEqual(records[0]?.removed, GOOD.authorizedIpRanges);
      for (const other of others) assert.deepEqual(await other.history({ limit: 10 }), await store.history({ limit: 10 }), 'the same history on every instance');
    });

    test('a list file keeps its comments and the order of its lines through writes', async (t) => {
      if (h.format !== 'list' || h.writeRaw === undefined || h.readRaw === undefined) return t.skip('list files only');
      const store = await open(GOOD);
      await h.writeRaw('# who may reach the API server\n192.0.2.0/24   # office\n\n# people\n198.51.100.7/32\n');
      await store.refresh();
      await waitFor(() => store.get().profile.authorizedIpRanges.length === 2 && store.get().profile.authorizedIpRanges[0] === '192.0.2.0/24', 3000, 'the file read');
      const next = profileWithInfo(['192.0.2.0/24', '203.0.113.7/32'], [], { authorizedIpRanges: new Map([['203.0.113.7/32', { note: 'Bob' }]]) });
      await store.compareAndSwap(store.get().revision, next);
      assert.equal(await h.readRaw(), '# who may reach the API server\n192.0.2.0/24   # office\n\n# people\n203.0.113.7/32  # note: Bob\n');
    });

    test('a store that starts on an invalid value does not enforce it', async (t) => {
      if (h.openOn === undefined) return t.skip('no backing value to start on');
      for (const bad of (h.format === 'json' ? BAD_JSON : BAD_LIST).slice(0, 12)) {
        if (h.fallback === undefined) {
          await assert.rejects(h.openOn(bad), expectCode('ERR_STORE_INVALID'), JSON.stringify(bad));
        } else {
          const store = await h.openOn(bad);
          stores.push(store);
          assert.deepEqual(store.get().profile, h.fallback, `${JSON.stringify(bad)}: the fallback is enforced`);
        }
      }
    });
  });
}

contract('memory', () =>
  Promise.resolve({
    format: 'json',
    open: (profile) => Promise.resolve(new MemoryStore(profile)),
    cleanup: () => Promise.resolve(),
  }),
);

for (const format of ['json', 'list'] as const) {
  contract(`file (${format})`, async () => {
    const { dir, remove } = await tempDir();
    let n = 0;
    let file = '';
    const text = (p: Profile): string => (format === 'json' ? JSON.stringify(p) : `${p.authorizedIpRanges.join('\n')}\n`);
    return {
      format,
      open: async (profile) => {
        file = join(dir, `profile-${++n}.${format === 'json' ? 'json' : 'txt'}`);
        await writeFile(file, text(profile));
        return FileStore.open({ file, format, seed: profile, debounceMs: 5 });
      },
      writeRaw: (raw) => writeFile(file, raw),
      deleteRaw: () => rm(file),
      readRaw: async () => {
        try {
          return await readFile(file, 'utf8');
        } catch {
          return undefined;
        }
      },
      openOn: async (raw) => {
        const start = join(dir, `start-${++n}.${format === 'json' ? 'json' : 'txt'}`);
        await writeFile(start, raw);
        return FileStore.open({ file: start, format, seed: GOOD });
      },
      externalPath: 'file',
      cleanup: remove,
    };
  });
}

contract('etcd', async () => {
  const etcd: RunningEtcd = await startEtcd();
  const raw = etcd.client();
  let n = 0;
  let key = '';
  let prefix = '';
  const options = (at: string, seed: Profile) => ({ endpoints: [etcd.endpoint], prefix: at, profile: 'default', seed, timeoutMs: 1000, probeIntervalMs: 100 });
  return {
    format: 'json',
    open: async (profile) => {
      prefix = `/contract${++n}/`;
      key = `${prefix}profiles/default`;
      return EtcdStore.open(options(prefix, profile));
    },
    openAnother: () => EtcdStore.open(options(prefix, GOOD)),
    externalPath: 'etcd',
    writeRaw: async (text) => {
      await raw.put(key).value(text);
    },
    deleteRaw: async () => {
      await raw.delete().key(key);
    },
    readRaw: async () => (await raw.get(key).string()) ?? undefined,
    openOn: async (text) => {
      const prefix = `/contract${++n}/`;
      await raw.put(`${prefix}profiles/default`).value(text);
      return EtcdStore.open(options(prefix, GOOD));
    },
    // No cache file here: an instance that finds no valid profile refuses every source.
    fallback: REFUSE_EVERYONE,
    cleanup: () => etcd.close(),
  };
});
