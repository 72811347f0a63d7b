/**
 * The etcd store: one named profile at `<prefix>profiles/<name>`, shared by every instance.
 * - Writes are compare-and-swap transactions on the key's mod revision, which is also the ETag, so an ETag
 *   read on one instance is valid on all of them.
 * - Every instance watches the key and adopts each good value; a value that does not parse or validate is
 *   refused (the last good profile stays) and reported.
 * - A probe reads the key every second: it tells whether etcd is reachable, and on the way back it catches
 *   up with the key (the watch resumes from the next revision after the last one seen).
 * - Every accepted profile is written atomically to the cache file; an instance that starts while etcd is
 *   unreachable enforces it, and without a cache it refuses every source until etcd answers.
 * - The config's seed is written only when the profile has never existed (see etcd-keys.ts); a deleted key
 *   is reported and the last good profile stays until a write through the admin API.
 * - Writes are compare-and-swap transactions (./etcd-writer.ts), settled before answering when etcd's answer
 *   is lost.
 * - Every change is recorded in the history (./etcd-history.ts): a write through ipgate in its own
 *   transaction, a value written by hand by the instances that see it in their watch (once).
 */
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import { readCache, writeCache } from './cache-file.js';
import { decodeJson, encodeJson } from './codec.js';
import { createEtcdClient, type EtcdTls } from './etcd-client.js';
import { checkProfileName } from '../policy/profile-name.js';
import { ABSENT_REVISION, CREATED_VALUE, createdKey, nameOfKey, parseRevision, profileKey, profilesPrefix, REFUSE_EVERYONE } from './etcd-keys.js';
import type { ProfileCheck } from '../policy/validate.js';
import { DEFAULT_ORIGIN, type ChangeOrigin, type ChangeRecord, type ProfileDiff, type HistoryQuery, type NamedProfileInfo, type ProfileStore, type StoreEvent, type StoreHealth, type StoreListener, type StoreSnapshot } from './types.js';
import { EtcdHistory, type KeyState } from './etcd-history.js';
import { fallback, healthOf, observe, startProblem, type EtcdView, type KeyNames, type Observation } from './etcd-view.js';
import { etcdErrorText } from './etcd-error-text.js';
import { EtcdWriter, stale, unavailable } from './etcd-writer.js';
import { EtcdInstances } from './etcd-instances.js';
import { describeFileError } from '../fs/file-error.js';

export interface EtcdStoreOptions extends EtcdTls {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** The named profile this instance enforces. */
  readonly profile: string;
  /** Last-known-good cache, written on every accepted change. */
  readonly cacheFile?: string;
  /** Written to etcd only when the key does not exist yet (create-if-absent transaction). */
  readonly seed?: Profile;
  /** Deadline of each etcd call (default 1500 ms). */
  readonly timeoutMs?: number;
  /** How long a write whose answer was lost is retried to learn its outcome (default 4000 ms). */
  readonly outcomeTimeoutMs?: number;
  /** How often etcd is probed (default 1000 ms). */
  readonly probeIntervalMs?: number;
  /** Validation of every profile read or written (default: the ipgate target; with sources, references too). */
  readonly check?: ProfileCheck;
  /** Change records kept per profile (default HISTORY_KEEP, 1000). */
  readonly historyKeep?: number;
}

function messageOf(error: unknown): string {
  return etcdErrorText(error instanceof Error ? error.message : String(error));
}

function observationOf(header: { revision?: string | number | null } | null | undefined, kv: IKeyValue | undefined): Observation {
  const at = Number(header?.revision ?? 0);
  if (kv === undefined) return { at, modRevision: 0 };
  return { at, modRevision: Number(kv.mod_revision), value: kv.value.toString('utf8') };
}

export class EtcdStore implements ProfileStore {
  readonly description: string;
  readonly profileName: string;
  /** This instance's record and the fleet's, under `<prefix>instances/` (lease-bound). */
  readonly instances: EtcdInstances;
  private readonly key: string;
  private readonly names: KeyNames;
  private readonly writer: EtcdWriter;
  private readonly records: EtcdHistory;
  /** Whether this instance has made sure the created-marker of its profile exists. */
  private createdMarked = false;
  /** Whether the created-marker exists (the profile has existed), as last read. */
  private hasExisted = false;
  /** What this instance believes the key holds, and the profile it enforces (see etcd-view.ts). */
  private view: EtcdView;
  private readonly listeners = new Set<StoreListener>();
  /** Events raised before anyone listened (start-up), delivered to the first listener. */
  private pending: StoreEvent[] = [];
  private reachable = false;
  private watchConnected = false;
  private detail: string | undefined;
  private watchErrors = 0;
  private rejected = 0;
  private watcher: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private cacheQueue: Promise<void> = Promise.resolve();
  private closed = false;
  private lastHealth: boolean | undefined;

  private constructor(
    private readonly client: Etcd3,
    private readonly options: EtcdStoreOptions,
    snapshot: StoreSnapshot,
  ) {
    this.profileName = options.profile;
    this.key = profileKey(options.prefix, options.profile);
    this.names = { key: this.key, profileName: this.profileName };
    this.description = `etcd ${options.endpoints.join(',')} key ${this.key}`;
    this.view = { observedAt: 0, keyRevision: 0, snapshot };
    this.instances = new EtcdInstances({ client, prefix: options.prefix });
    this.writer = new EtcdWriter({
      client,
      prefix: options.prefix,
      profileName: options.profile,
      description: this.description,
      outcomeTimeoutMs: options.outcomeTimeoutMs ?? 4000,
      reachable: (up, detail) => this.setReachable(up, detail),
      closed: () => this.closed,
    });
    this.records = new EtcdHistory(client, options.prefix, options.historyKeep);
  }

  private get snapshot(): StoreSnapshot {
    return this.view.snapshot;
  }

  /**
   * Connects and reads (or seeds) the profile. When etcd cannot be reached the store still opens: it enforces
   * the cache file, or refuses every source without one, and keeps trying in the background.
   */
  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    checkProfileName(options.profile, 'store.etcd.profile');
    const client = await createEtcdClient({ ...options, timeoutMs: options.timeoutMs ?? 1500 });
    const initial: StoreSnapshot = { profile: REFUSE_EVERYONE, revision: ABSENT_REVISION };
    const store = new EtcdStore(client, options, initial);
    try {
      await store.sync();
      const why = store.reachable ? startProblem(store.view, initial, store.names, store.hasExisted) : `etcd unreachable at start (${store.detail ?? 'etcd not reached'})`;
      if (why !== undefined) await store.startFromCache(why);
    } catch (error) {
      client.close();
      throw error;
    }
    store.schedule();
    return store;
  }

  get(): StoreSnapshot {
    return this.snapshot;
  }

  health(): StoreHealth {
    return healthOf({ reachable: this.reachable, watching: this.watcher !== undefined, watchConnected: this.watchConnected, detail: this.detail, watchErrors: this.watchErrors, rejected: this.rejected });
  }

  watch(listener: StoreListener): () => void {
    this.listeners.add(listener);
    if (this.pending.length > 0) {
      const events = this.pending;
      this.pending = [];
      for (const event of events) listener(event);
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  async prepareWrite(): Promise<void> {
    if (!this.reachable) throw unavailable(this.description, this.detail ?? 'etcd not reached');
    await this.sync();
    if (!this.reachable) throw unavailable(this.description, this.detail ?? 'etcd not reached');
  }

  async compareAndSwap(expectedRevision: string, profile: Profile, origin: ChangeOrigin = DEFAULT_ORIGIN, diff?: ProfileDiff): Promise<StoreSnapshot> {
    if (!this.reachable) throw unavailable(this.description, this.detail ?? 'etcd not reached');
    // The ETag of the last good profile stands for the key as it is now (even if a refused value was
    // written over it since), so a write through the API repairs a bad value; any other ETag is compared
    // with the key's mod revision as it is.
    const compare = expectedRevision === this.snapshot.revision ? this.view.keyRevision : parseRevision(expectedRevision);
    if (compare === undefined) throw stale(expectedRevision, this.snapshot.revision);
    const text = encodeJson(profile);
    const good = decodeJson(text, `profile for ${this.key}`, this.options.check);
    const own = this.records.ownRecord({ name: this.profileName, compare, origin, before: compare === 0 ? undefined : this.snapshot.profile, after: good, diff });
    const revision = await this.writer.swap(this.key, compare, text, expectedRevision, [own.put]);
    this.observe({ at: revision, modRevision: revision, value: encodeJson(good) }, 'write');
    this.recorded(this.profileName, own.complete(revision));
    return this.snapshot;
  }

  history(query: HistoryQuery): Promise<ChangeRecord[]> {
    if (query.profile !== undefined) checkProfileName(query.profile);
    return this.call(() => this.records.read(query));
  }

  /** Reports a record this instance wrote, and trims the profile's history. */
  private recorded(name: string, record: ChangeRecord): void {
    this.emit({ kind: 'recorded', record });
    void this.records.trim(name).catch(() => undefined);
  }

  /** A change seen in the watch: recorded here if it was made behind ipgate's back and nobody recorded it yet. */
  private notice(now: KeyState, before: KeyState | undefined): void {
    if (this.closed) return;
    const decode = (value: string): Profile | undefined => {
      try {
        return decodeJson(value, this.key, this.options.check);
      } catch {
        return undefined;
      }
    };
    void this.records.recordNoticed({ name: this.profileName, now, before, decode }).then(
      (record) => {
        if (record !== undefined) this.recorded(this.profileName, record);
      },
      () => undefined, // etcd went away meanwhile: another instance records it, or nobody noticed in time
    );
  }

  async listProfiles(): Promise<NamedProfileInfo[]> {
    const response = await this.call(() => this.client.getAll().prefix(profilesPrefix(this.options.prefix)).exec());
    const out: NamedProfileInfo[] = [];
    for (const kv of response.kvs) {
      const name = nameOfKey(this.options.prefix, kv.key.toString('utf8'));
      if (name === undefined) continue;
      let valid = true;
      try {
        decodeJson(kv.value.toString('utf8'), name, this.options.check);
      } catch {
        valid = false;
      }
      out.push({ name, revision: String(kv.mod_revision), enforced: name === this.profileName, valid });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readNamed(name: string): Promise<StoreSnapshot | undefined> {
    const key = profileKey(this.options.prefix, checkProfileName(name));
    const response = await this.call(() => this.client.get(key).exec());
    const kv = response.kvs[0];
    if (kv === undefined) return undefined;
    return { profile: decodeJson(kv.value.toString('utf8'), `etcd key ${key} (revision ${kv.mod_revision})`, this.options.check), revision: String(kv.mod_revision) };
  }

  async compareAndSwapNamed(name: string, expectedRevision: string, profile: Profile, origin: ChangeOrigin = DEFAULT_ORIGIN, diff?: ProfileDiff): Promise<StoreSnapshot> {
    if (name === this.profileName) return this.compareAndSwap(expectedRevision, profile, origin, diff);
    const key = profileKey(this.options.prefix, checkProfileName(name));
    const compare = parseRevision(expectedRevision);
    if (compare === undefined) throw stale(expectedRevision, 'unknown');
    const text = encodeJson(profile);
    const good = decodeJson(text, `profile for ${key}`, this.options.check);
    let before: Profile | undefined;
    try {
      before = compare === 0 ? undefined : (await this.readNamed(name))?.profile;
    } catch (error) {
      if (error instanceof IpgateError && error.code === 'ERR_STORE_UNAVAILABLE') throw error;
      before = undefined; // a refused value before the change: the record lists every entry as added
    }
    const own = this.records.ownRecord({ name, compare, origin, before, after: good, ...(before === undefined ? {} : { diff }) });
    const revision = await this.writer.swap(key, compare, text, expectedRevision, [own.put]);
    this.recorded(name, own.complete(revision));
    return { profile: good, revision: String(revision) };
  }

  /** SIGHUP: read the key now. */
  async refresh(): Promise<void> {
    await this.sync();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher !== undefined) await Promise.race([watcher.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
    await this.syncing?.catch(() => undefined);
    await this.cacheQueue;
    await this.instances.close();
    this.client.close();
  }

  /** Runs one etcd call; a failure marks etcd unreachable and becomes ERR_STORE_UNAVAILABLE. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) throw unavailable(this.description, 'the store is closed');
    try {
      return await run();
    } catch (error) {
      this.setReachable(false, messageOf(error));
      throw unavailable(this.description, messageOf(error));
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.sync().finally(() => this.schedule());
    }, this.options.probeIntervalMs ?? 1000);
  }

  /** Reads the key (seeding it when absent and a seed is configured) and makes sure the watch runs. */
  private sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    if (this.closed) return;
    let observation: Observation;
    try {
      let response = await this.client.get(this.key).exec();
      const created = createdKey(this.options.prefix, this.profileName);
      if (response.kvs.length === 0 && this.options.seed !== undefined && !this.createdMarked) {
        // Only into a key space that never held the profile, and only by the first instance to get here.
        const text = encodeJson(this.options.seed);
        await this.client
          .if(this.key, 'Create', '==', 0)
          .and(created, 'Create', '==', 0)
          .then(this.client.put(this.key).value(text), this.client.put(created).value(CREATED_VALUE))
          .commit();
        response = await this.client.get(this.key).exec();
        this.createdMarked = true;
      }
      if (response.kvs.length === 0) this.hasExisted = (await this.client.get(created).exec()).kvs.length > 0;
      else if (response.kvs.length > 0 && !this.createdMarked) {
        // A profile written before the marker existed: record that it has existed.
        await this.client.if(created, 'Create', '==', 0).then(this.client.put(created).value(CREATED_VALUE)).commit();
        this.createdMarked = true;
      }
      observation = observationOf(response.header, response.kvs[0]);
    } catch (error) {
      this.setReachable(false, messageOf(error));
      return;
    }
    this.setReachable(true);
    this.observe(observation, 'external');
    if (this.watcher === undefined && !this.closed) this.startWatch(observation.at + 1);
  }

  private startWatch(fromRevision: number): void {
    this.watchConnected = false;
    const watcher = this.client.watch().key(this.key).startRevision(String(fromRevision)).withPreviousKV().watcher();
    this.watcher = watcher;
    watcher.on('connected', () => {
      this.watchConnected = true;
      this.reportHealth();
    });
    watcher.on('disconnected', (error) => {
      if (this.watcher !== watcher) return;
      this.watchErrors++;
      this.watchConnected = false;
      this.detail = `watch disconnected: ${messageOf(error)}`;
      this.reportHealth();
    });
    watcher.on('error', (error) => {
      // Not recoverable by the client (e.g. the revision was compacted): drop it; the next probe reads the
      // key and watches again from there.
      if (this.watcher !== watcher) return;
      this.watchErrors++;
      this.watcher = undefined;
      this.watchConnected = false;
      this.detail = `watch failed: ${messageOf(error)}`;
      void watcher.cancel().catch(() => undefined);
    });
    watcher.on('data', (response) => {
      const at = Number(response.header.revision);
      for (const event of response.events) {
        const kv = event.kv;
        if (kv === null || kv === undefined) continue;
        const modRevision = Number(kv.mod_revision);
        const deleted = event.type === 'Delete';
        this.observe(deleted ? { at: Math.max(modRevision, at), modRevision: 0 } : { at: modRevision, modRevision, value: kv.value.toString('utf8') }, 'external');
        if (!deleted) {
          const prev = event.prev_kv as typeof event.prev_kv | undefined | null;
          const before = prev === undefined || prev === null ? undefined : { modRevision: Number(prev.mod_revision), value: prev.value.toString('utf8') };
          this.notice({ modRevision, value: kv.value.toString('utf8') }, before);
        }
      }
    });
  }

  /** Applies an observation (see etcd-view.ts) and reports what it changed. */
  private observe(observation: Observation, origin: 'write' | 'external'): void {
    const { view, event } = observe(this.view, observation, this.names, (value, source) => decodeJson(value, source, this.options.check));
    this.view = view;
    if (event?.kind === 'changed') this.emit({ kind: 'changed', snapshot: event.snapshot, origin });
    else if (event?.kind === 'rejected') this.reject(event.error);
  }

  /** The last-known-good cache follows what the gateway enforces, not merely what etcd holds. */
  enforced(snapshot: StoreSnapshot): void {
    if (snapshot.revision === ABSENT_REVISION) return; // the refuse-everyone stand-in is never cached
    this.saveCache(snapshot);
  }

  private reject(error: IpgateError): void {
    this.rejected++;
    this.emit({ kind: 'rejected', error });
  }

  private saveCache(snapshot: StoreSnapshot): void {
    const file = this.options.cacheFile;
    if (file === undefined) return;
    this.cacheQueue = this.cacheQueue.then(async () => {
      // Only the newest accepted snapshot is worth writing.
      if (snapshot !== this.snapshot) return;
      try {
        await writeCache(file, this.profileName, snapshot);
      } catch (error) {
        this.emit({
          kind: 'warning',
          error: new IpgateError('ERR_CACHE_WRITE', `Cannot write cache file "${file}": ${describeFileError(error)}`, { input: file }),
        });
      }
    });
  }

  /** etcd gave no good profile at start: enforce the cache file, or refuse everyone, and say which. */
  private async startFromCache(why: string): Promise<void> {
    const file = this.options.cacheFile;
    const cache: { snapshot?: StoreSnapshot; file?: string; problem?: string } = file === undefined ? { problem: 'no store.cacheFile configured' } : { file };
    if (file !== undefined) {
      try {
        const cached = await readCache(file, this.profileName, this.options.check);
        if (cached === undefined) cache.problem = `cache file ${file} does not exist`;
        else cache.snapshot = cached;
      } catch (error) {
        cache.problem = messageOf(error);
      }
    }
    const decided = fallback(why, cache);
    if (decided.snapshot !== undefined) {
      // While etcd is unreachable the cache's revision stands for the key (a write with its ETag compares to it).
      this.view = { ...this.view, snapshot: decided.snapshot, ...(this.reachable ? {} : { keyRevision: parseRevision(decided.snapshot.revision) ?? 0 }) };
    }
    this.note(decided.detail);
  }

  /** Reports how the store started without a good profile from etcd (a degraded health event when down). */
  private note(detail: string): void {
    if (!this.reachable) {
      this.detail = detail;
      this.lastHealth = false;
      this.pending = this.pending.filter((e) => e.kind !== 'health');
      this.pending.push({ kind: 'health', health: this.health() });
      return;
    }
    this.emit({ kind: 'warning', error: new IpgateError('ERR_STORE_NO_PROFILE', detail, { input: this.key }) });
  }

  private setReachable(up: boolean, detail?: string): void {
    this.reachable = up;
    if (!up) this.detail = `etcd unreachable: ${detail ?? 'unknown error'}`;
    this.reportHealth();
  }

  private reportHealth(): void {
    const health = this.health();
    if (health.up === this.lastHealth) return;
    this.lastHealth = health.up;
    this.emit({ kind: 'health', health });
  }

  private emit(event: StoreEvent): void {
    if (this.listeners.size === 0) {
      if (!this.closed) this.pending.push(event);
      return;
    }
    for (const listener of [...this.listeners]) listener(event);
  }
}
