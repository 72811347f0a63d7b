/**
 * Where the profile lives. The gateway and the admin API only see this interface, so a store other than the
 * file (etcd: watch + compare-and-swap) plugs in without changing them.
 */
import type { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';

export interface StoreSnapshot {
  readonly profile: Profile;
  /** Opaque, changes whenever the profile changes (used as the admin API's ETag). */
  readonly revision: string;
}

export type StoreEvent =
  | { readonly kind: 'changed'; readonly snapshot: StoreSnapshot; readonly origin: 'write' | 'external' }
  /** The store's content changed but is unusable (parse or validation error); the last good profile stays. */
  | { readonly kind: 'rejected'; readonly error: IpgateError };

export type StoreListener = (event: StoreEvent) => void;

export interface ProfileStore {
  /** What the store describes (for logs), e.g. `file /var/lib/ipgate/profile.json`. */
  readonly description: string;
  /** The last good profile and its revision. */
  get(): StoreSnapshot;
  /**
   * Replaces the profile if the store is still at `expectedRevision`; resolves to the new snapshot.
   * Rejects with IpgateError ERR_PRECONDITION when the revision is stale; the profile is validated first.
   */
  compareAndSwap(expectedRevision: string, profile: Profile): Promise<StoreSnapshot>;
  /** Calls `listener` on every change (writes through this store included) and rejected change. */
  watch(listener: StoreListener): () => void;
  /** Re-reads the backing data now (SIGHUP). Resolves when done; a bad content is reported as 'rejected'. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}
