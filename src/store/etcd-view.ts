/**
 * What one instance believes its etcd key holds, and what it enforces because of it (pure: no etcd, no
 * timers). The etcd store feeds it every observation of the key (a read, a watch event, its own write) and
 * acts on the answer; the rules live here so they can be tested without etcd:
 * - observations are ordered by etcd's cluster revision: an older one (a late watch event, a slow read) never
 *   undoes a newer one, and one that repeats the key's mod revision changes nothing;
 * - a good value becomes the profile in force; a bad value or a deleted key is refused and the last good
 *   profile stays;
 * - at start, without a good value from etcd, the cache file's profile is enforced, else every source is
 *   refused (REFUSE_EVERYONE).
 */
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import type { StoreHealth, StoreSnapshot } from './types.js';

/** One read of the key at cluster revision `at`: its mod revision (0: absent) and value. */
export interface Observation {
  readonly at: number;
  readonly modRevision: number;
  readonly value?: string;
}

export interface EtcdView {
  /** Cluster revision of the newest observation applied. */
  readonly observedAt: number;
  /** The key's mod revision then (0: absent). */
  readonly keyRevision: number;
  /** The last good profile (what is enforced). */
  readonly snapshot: StoreSnapshot;
}

export type ViewEvent =
  | { readonly kind: 'changed'; readonly snapshot: StoreSnapshot }
  | { readonly kind: 'rejected'; readonly error: IpgateError };

/** Reads a stored value; throws IpgateError when it is not a usable profile. */
export type Decode = (value: string, source: string) => Profile;

export interface KeyNames {
  readonly key: string;
  readonly profileName: string;
}

/** Applies one observation: the new view, and what to report (nothing when it changes nothing). */
export function observe(view: EtcdView, observation: Observation, names: KeyNames, decode: Decode): { view: EtcdView; event?: ViewEvent } {
  if (observation.at < view.observedAt) return { view };
  const seen = { ...view, observedAt: observation.at };
  if (observation.modRevision === view.keyRevision) return { view: seen };
  const next = { ...seen, keyRevision: observation.modRevision };
  if (observation.value === undefined) {
    const error = new IpgateError('ERR_STORE_MISSING', `etcd key ${names.key} does not exist; the profile in force (revision ${view.snapshot.revision}) stays`, {
      input: names.key,
      suggestion: `write the profile again through the admin API, e.g. 'ipgate ranges set ... --profile ${names.profileName}'`,
    });
    return { view: next, event: { kind: 'rejected', error } };
  }
  const revision = String(observation.modRevision);
  let profile: Profile;
  try {
    profile = decode(observation.value, `etcd key ${names.key} (revision ${revision})`);
  } catch (error) {
    const e = error instanceof IpgateError ? error : new IpgateError('ERR_STORE_INVALID', error instanceof Error ? error.message : String(error), { input: names.key });
    return { view: next, event: { kind: 'rejected', error: e } };
  }
  const snapshot = { profile, revision };
  return { view: { ...next, snapshot }, event: { kind: 'changed', snapshot } };
}

/** Why an instance that reached etcd at start has no good profile from it (undefined: it has one). */
export function startProblem(view: EtcdView, initial: StoreSnapshot, names: KeyNames, seeded: boolean): string | undefined {
  if (view.snapshot !== initial) return undefined;
  if (view.keyRevision !== 0) return `etcd key ${names.key} holds no valid profile`;
  return seeded
    ? `etcd key ${names.key} was deleted (a profile that existed is never re-created from the config's seed)`
    : `etcd key ${names.key} does not exist and the config has no profile to seed it`;
}

/** What to enforce at start without a good profile from etcd: the cache's, or none (refuse everyone). */
export function fallback(why: string, cache: { snapshot?: StoreSnapshot; file?: string; problem?: string }): { snapshot?: StoreSnapshot; detail: string } {
  if (cache.snapshot !== undefined) {
    return { snapshot: cache.snapshot, detail: `${why}; enforcing the last known good profile from ${cache.file ?? ''} (revision ${cache.snapshot.revision})` };
  }
  return { detail: `${why} and ${cache.problem ?? 'no cache'}: refusing every source until a valid profile is in etcd` };
}

/** Health as reported: up only when etcd answers and the watch (once started) is connected. */
export function healthOf(state: { reachable: boolean; watching: boolean; watchConnected: boolean; detail?: string | undefined; watchErrors: number; rejected: number }): StoreHealth {
  const up = state.reachable && (state.watchConnected || !state.watching);
  return { up, ...(up ? {} : { detail: state.detail ?? 'etcd not reached yet' }), watchErrors: state.watchErrors, rejected: state.rejected };
}
