/**
 * The etcd key space (pure): every named profile lives at `<prefix>profiles/<name>` as JSON, and its ETag is
 * the key's etcd mod revision (identical on every instance reading the same etcd). `<prefix>created/<name>`
 * records that the profile has existed: it is written in the same transaction as the profile's first value
 * (and every later write), so a config's seed is written only into a key space that never held the profile,
 * and a deleted profile key is reported instead of being re-created from the seed. `<prefix>history/<name>/...`
 * holds the profile's change history (etcd-history.ts).
 */
import type { Profile } from '../policy/profile.js';
import { checkProfileName, PROFILE_NAME } from '../policy/profile-name.js';

/** The profile an instance enforces when it has nothing good to go on: only egress addresses, and none given. */
export const REFUSE_EVERYONE: Profile = Object.freeze({ authorizedIpRanges: Object.freeze(['0.0.0.0/32']), egressIpRanges: Object.freeze([]) });

/** The revision reported while the key does not exist: a write with this ETag creates it. */
export const ABSENT_REVISION = '0';

export function profilesPrefix(prefix: string): string {
  return `${prefix}profiles/`;
}

export function profileKey(prefix: string, name: string): string {
  return `${profilesPrefix(prefix)}${checkProfileName(name)}`;
}

/** The key recording that profile `name` has existed (see the module header). */
export function createdKey(prefix: string, name: string): string {
  return `${prefix}created/${checkProfileName(name)}`;
}

/** The value of a created-marker key. */
export const CREATED_VALUE = 'this profile has existed: a config seed never re-creates it';

/** The profile name of a key under the prefix, or undefined for keys that are not a profile. */
export function nameOfKey(prefix: string, key: string): string | undefined {
  const head = profilesPrefix(prefix);
  if (!key.startsWith(head)) return undefined;
  const name = key.slice(head.length);
  return PROFILE_NAME.test(name) ? name : undefined;
}

/** Parses an ETag-derived revision: a non-negative decimal integer, else undefined. */
export function parseRevision(text: string): number | undefined {
  if (!/^(0|[1-9]\d{0,15})$/.test(text)) return undefined;
  return Number(text);
}

/**
 * The change history of profile `name` (all profiles without one): one key per change, holding its record
 * as JSON (./history.ts). See etcd-history.ts.
 */
export function historyPrefix(prefix: string, name?: string): string {
  return name === undefined ? `${prefix}history/` : `${prefix}history/${checkProfileName(name)}/`;
}

/** A revision as a history key part: 20 digits, so keys sort by revision. */
export function revisionPart(revision: number): string {
  return String(revision).padStart(20, '0');
}
