/**
 * `GET /v1/refusals`: the most recent refused sources per listener (address, listener, count, first and last
 * refusal, the reason then) and what explain says of each address now, so an operator sees which address a
 * locked-out colleague really comes from, and whether adding it has taken effect. A data plane that does not
 * report refusals one by one (HAProxy, nftables) says so instead of answering with an empty list that looks like "none".
 */
import type { RefusalRecord } from '../runtime/refusal-ring.js';

export function refusalsBody(records: readonly RefusalRecord[] | undefined, explain: (address: string) => Record<string, unknown>): Record<string, unknown> {
  if (records === undefined) {
    return {
      supported: false,
      refusals: [],
      note: 'this data plane (HAProxy or nftables) does not report refused sources one by one: see HAProxy\'s log or the nftables counters and kernel log for the refused addresses',
    };
  }
  return {
    supported: true,
    refusals: records.map((r) => {
      let now: Record<string, unknown> | null;
      try {
        now = explain(r.address);
      } catch {
        now = null;
      }
      return {
        listener: r.listener,
        address: r.address,
        count: r.count,
        firstSeen: new Date(r.firstSeen).toISOString(),
        lastSeen: new Date(r.lastSeen).toISOString(),
        reason: r.reason,
        explain: now,
      };
    }),
  };
}
