/**
 * The fleet view (pure): every instance's record as published, with what an operator must notice flagged.
 * An instance is stale when it enforces an older revision than the newest one in the fleet for more than
 * `staleAfterMs` (measured from when the first instance enforced the newest), or when its record was not
 * written for `lostAfterMs` (it stopped beating but its lease has not run out yet).
 */
import type { InstanceRecord } from '../store/instances.js';

export interface InstanceStatus extends InstanceRecord {
  /** Seconds since the record was written. */
  readonly lastSeenSeconds: number;
  /** The instance that answered this status. */
  readonly self: boolean;
  readonly stale: boolean;
  /** Why it is flagged (null when it is not). */
  readonly problem: string | null;
}

export interface FleetStatus {
  /** The newest revision any instance enforces. */
  readonly revision: string;
  readonly instances: readonly InstanceStatus[];
  readonly stale: number;
  /** Set when the records could not be read (only the answering instance is shown then). */
  readonly problem: string | null;
}

export interface FleetOptions {
  readonly now: number;
  readonly selfId: string;
  readonly staleAfterMs?: number;
  readonly lostAfterMs?: number;
  readonly problem?: string;
}

export const STALE_AFTER_MS = 5000;
export const LOST_AFTER_MS = 6000;

/** Compares two revisions: numerically when both are decimal integers (etcd), else only equal or not. */
function newer(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? BigInt(a) > BigInt(b) : false;
}

export function fleetStatus(records: readonly InstanceRecord[], options: FleetOptions): FleetStatus {
  const staleAfter = options.staleAfterMs ?? STALE_AFTER_MS;
  const lostAfter = options.lostAfterMs ?? LOST_AFTER_MS;
  let newest = records[0]?.revision ?? '0';
  for (const r of records) if (newer(r.revision, newest)) newest = r.revision;
  const since = Math.min(...records.filter((r) => r.revision === newest).map((r) => Date.parse(r.enforcedSince)).filter((t) => !Number.isNaN(t)), options.now);
  const instances = [...records]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r): InstanceStatus => {
      const seen = Date.parse(r.updatedAt);
      const lastSeenMs = Number.isNaN(seen) ? Infinity : Math.max(0, options.now - seen);
      const self = r.id === options.selfId;
      const problems: string[] = [];
      if (r.revision !== newest && options.now - since > staleAfter) {
        problems.push(`enforces revision ${r.revision}, behind revision ${newest} for ${Math.round((options.now - since) / 1000)} s`);
      }
      if (!self && lastSeenMs > lostAfter) {
        problems.push(`not seen for ${Number.isFinite(lastSeenMs) ? Math.round(lastSeenMs / 1000) : '?'} s`);
      }
      const problem = problems.length === 0 ? null : problems.join('; ');
      return { ...r, lastSeenSeconds: Number.isFinite(lastSeenMs) ? Math.round(lastSeenMs / 100) / 10 : -1, self, stale: problem !== null, problem };
    });
  return { revision: newest, instances, stale: instances.filter((i) => i.stale).length, problem: options.problem ?? null };
}
