/**
 * Instance records: what one running ipgate says about itself for the fleet view (`ipgate status`). With the
 * etcd store every instance publishes its record under `<prefix>instances/<id>`, bound to a lease, so an
 * instance that stops or dies drops out by itself; with a file store the one instance is its own fleet.
 */

export interface InstanceRecord {
  /** `HOST:PID-RANDOM`, unique while the instance runs. */
  readonly id: string;
  /** The data plane's listeners as bound (`ip:port`). */
  readonly listeners: readonly string[];
  /** The admin API's address (`ip:port`), when it has one. */
  readonly admin: string | null;
  /** The named profile it enforces. */
  readonly profile: string;
  /** The store revision of the profile it enforces. */
  readonly revision: string;
  /** Since when it enforces that revision (ISO time). */
  readonly enforcedSince: string;
  readonly store: { readonly up: boolean; readonly detail: string | null };
  readonly version: string;
  readonly startedAt: string;
  /** When the record was written (ISO time): the instance's "last seen". */
  readonly updatedAt: string;
}

/** Reads a stored record (untrusted text written by another instance); undefined when it is not one. */
export function parseInstanceRecord(text: string): InstanceRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const str = (k: string): boolean => typeof r[k] === 'string';
  const store = r['store'] as Record<string, unknown> | null | undefined;
  if (!['id', 'profile', 'revision', 'enforcedSince', 'version', 'startedAt', 'updatedAt'].every(str)) return undefined;
  if (!Array.isArray(r['listeners']) || !r['listeners'].every((l) => typeof l === 'string')) return undefined;
  if (r['admin'] !== null && typeof r['admin'] !== 'string') return undefined;
  if (typeof store !== 'object' || store === null || typeof store['up'] !== 'boolean') return undefined;
  return value as InstanceRecord;
}
