/**
 * `GET /v1/matches`: per listener and profile entry, how many connections the entry admitted and when it
 * last did, so an operator sees whether an entry is still in use before removing it. A data plane that cannot
 * tell which entry admitted a connection (HAProxy, nftables) says so instead of answering with an empty list
 * that would read as "no entry is used".
 */
import type { MatchRecord } from '../runtime/match-log.js';

export const MATCHES_UNAVAILABLE =
  'this data plane (HAProxy or nftables) does not report which entry admitted a connection; only ipgate\'s own listeners count matches per entry';

export function matchesBody(records: readonly MatchRecord[] | undefined): Record<string, unknown> {
  if (records === undefined) return { available: false, reason: MATCHES_UNAVAILABLE, matches: [] };
  return {
    available: true,
    matches: records.map((r) => ({
      listener: r.listener,
      entry: r.entry,
      count: r.count,
      firstSeen: new Date(r.firstSeen).toISOString(),
      lastSeen: new Date(r.lastSeen).toISOString(),
    })),
  };
}
