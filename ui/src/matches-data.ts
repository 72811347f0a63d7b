/**
 * `GET /v1/matches` read for the Ranges page: per profile entry (as written), which listener's traffic it
 * admitted, how often and when last ("public 12× 3 min ago"); or, on a data plane that cannot tell (HAProxy,
 * nftables), the server's reason, shown instead of a count that would read as "unused". Pure.
 */
import { relative } from './time.js';

export interface MatchRow {
  readonly listener: string;
  readonly entry: string;
  readonly count: number;
  readonly lastSeen: string;
}

export type Matches =
  | { readonly available: true; readonly byEntry: ReadonlyMap<string, readonly MatchRow[]> }
  | { readonly available: false; readonly reason: string };

type Json = Record<string, unknown>;

export function readMatches(data: unknown): Matches {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Json;
  if (body['available'] !== true) {
    return { available: false, reason: typeof body['reason'] === 'string' ? body['reason'] : 'the server does not say which entry admitted a connection' };
  }
  const byEntry = new Map<string, MatchRow[]>();
  for (const item of Array.isArray(body['matches']) ? body['matches'] : []) {
    if (typeof item !== 'object' || item === null) continue;
    const m = item as Json;
    const { listener, entry, count, lastSeen } = m;
    if (typeof listener !== 'string' || typeof entry !== 'string' || typeof count !== 'number' || typeof lastSeen !== 'string') continue;
    const rows = byEntry.get(entry) ?? [];
    rows.push({ listener, entry, count, lastSeen });
    byEntry.set(entry, rows);
  }
  for (const rows of byEntry.values()) rows.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  return { available: true, byEntry };
}

/** "public 12× 3 min ago; office 1× 2 h 5 min ago", most recent first; "" when it admitted nothing. */
export function matchText(rows: readonly MatchRow[] | undefined, now = Date.now()): string {
  return (rows ?? []).map((r) => `${r.listener} ${r.count}× ${relative(r.lastSeen, now)}`).join('; ');
}
