/**
 * Where the profile lives. The gateway and the admin API only see this interface, so a store other than the
 * file (etcd: watch + compare-and-swap) plugs in without changing them.
 */
import type { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileDiff } from '../policy/profile-diff.js';
import type { ChangeOrigin, ChangeRecord, HistoryQuery } from './history.js';
import type { InstanceRecord } from './instances.js';

export type { ChangeOrigin, ChangeRecord, HistoryQuery, ProfileDiff };

export interface StoreSnapshot {
  readonly profile: Profile;
  /** Opaque, changes whenever the profile changes (used as the admin API's ETag). */
  readonly revision: string;
}

export type StoreEvent =
  | { readonly kind: 'changed'; readonly snapshot: StoreSnapshot; readonly origin: 'write' | 'external' }
  /** The store's content changed but is unusable (parse or validation error); the last good profile stays. */
  | { readonly kind: 'rejected'; readonly error: IpgateError }
  /** A shared store became reachable or unreachable (the profile in force does not change). */
  | { readonly kind: 'health'; readonly health: StoreHealth }
  /** Something worth a log line that changes nothing (e.g. the last-known-good cache could not be written). */
  | { readonly kind: 'warning'; readonly error: IpgateError }
  /** This instance recorded a change in the history (its own write, or a change it noticed first). */
  | { readonly kind: 'recorded'; readonly record: ChangeRecord };

export interface StoreHealth {
  /** false: the backing store cannot be reached; the last good profile stays in force, writes are refused. */
  readonly up: boolean;
  /** Why the store is degraded (absent when up). */
  readonly detail?: string;
  /** Times the change feed (watch) broke and had to be re-established. */
  readonly watchErrors: number;
  /** Values refused because they did not parse or validate. */
  readonly rejected: number;
}

/** One named profile of a store holding several (etcd). */
export interface NamedProfileInfo {
  readonly name: string;
  /** Its ETag value (store revision). */
  readonly revision: string;
  /** Whether this instance enforces it. */
  readonly enforced: boolean;
  /** false when the stored value does not parse or validate. */
  readonly valid: boolean;
}

export type StoreListener = (event: StoreEvent) => void;

export interface ProfileStore {
  /** What the store describes (for logs), e.g. `file /var/lib/ipgate/profile.json`. */
  readonly description: string;
  /** The last good profile and its revision. */
  get(): StoreSnapshot;
  /**
   * Replaces the profile if the store is still at `expectedRevision`; resolves to the new snapshot.
   * Rejects with IpgateError ERR_PRECONDITION when the revision is stale; the profile is validated first.
   * The change is recorded in the history with `origin` (default: DEFAULT_ORIGIN). `diff`, when the writer
   * knows it, is what the change does to the profile at `expectedRevision` (else the store works it out).
   */
  compareAndSwap(expectedRevision: string, profile: Profile, origin?: ChangeOrigin, diff?: ProfileDiff): Promise<StoreSnapshot>;
  /**
   * The profile in the order this store will hold it after a write of `profile` (`diff`: the change from the
   * profile it holds now), when the store keeps an order of its own: a ranges list file keeps its entries
   * where they are and appends new ones. A writer validates and compiles this, so that what it compiled is
   * what the store reads back and puts in force. Absent: the order given is kept.
   */
  arrange?(profile: Profile, diff: ProfileDiff): Profile;
  /** The recorded changes, newest first. */
  history(query: HistoryQuery): Promise<ChangeRecord[]>;
  /** Calls `listener` on every change (writes through this store included) and rejected change. */
  watch(listener: StoreListener): () => void;
  /**
   * Told by the gateway that it now enforces `snapshot` (compiled and, with range sources, expanded). A store
   * with a last-known-good cache writes it here, so the cache never holds a profile the gateway refused.
   */
  enforced?(snapshot: StoreSnapshot): void;
  /** Re-reads the backing data now (SIGHUP). Resolves when done; a bad content is reported as 'rejected'. */
  refresh(): Promise<void>;
  close(): Promise<void>;
  /** Reachability of a shared store (absent: always up, e.g. a local file). */
  health?(): StoreHealth;
  /**
   * Brings the snapshot up to date before a write (shared stores, so an ETag read on another instance is
   * current here). Rejects with IpgateError ERR_STORE_UNAVAILABLE when the store cannot be reached.
   */
  prepareWrite?(): Promise<void>;
  /** The name of the profile enforced (stores holding several); absent means `default`. */
  readonly profileName?: string;
  /** Every named profile in the store (stores holding several). */
  listProfiles?(): Promise<NamedProfileInfo[]>;
  /** Reads another named profile; undefined when it does not exist (revision `0` creates it). */
  readNamed?(name: string): Promise<StoreSnapshot | undefined>;
  /** compareAndSwap on another named profile; expected revision `0` creates it. */
  compareAndSwapNamed?(name: string, expectedRevision: string, profile: Profile, origin?: ChangeOrigin, diff?: ProfileDiff): Promise<StoreSnapshot>;
  /** The instances sharing the store (etcd): each publishes its record, any reads them all. */
  readonly instances?: InstanceDirectory;
}

/** Where the instances of a fleet publish their records (see instances.ts). */
export interface InstanceDirectory {
  /** Publishes `record()` now and at every beat until the store closes. */
  publish(record: () => InstanceRecord): void;
  /** Writes the record again now. */
  refresh(): void;
  /** Every published record. */
  list(): Promise<InstanceRecord[]>;
}

/** Who a write is recorded as when the writer does not say (library use; ipgate's own writers always say). */
export const DEFAULT_ORIGIN: ChangeOrigin = Object.freeze({ actor: 'library', address: null, path: 'admin-api' });
