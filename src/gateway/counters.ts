/**
 * Plain counters the connection path increments (a property increment, nothing more); the metrics endpoint
 * reads them when scraped. Decisions are counted per reason of the verdict in a short list of cells created
 * with every reason a listener gives: reasons are constant strings, so finding a cell is a few identity
 * comparisons, cheaper on this path than a keyed object or a Map.
 */
export interface ReasonCell {
  readonly reason: string;
  count: number;
}

export type ReasonCounts = ReasonCell[];

export interface ListenerCounters {
  /** Allowed connections by reason: authorized, egress, disabled, not-enforced. */
  readonly allowed: ReasonCounts;
  /** Refused connections by reason: not-authorized, egress-only, bad-source-address, proxy-header-*. */
  readonly refused: ReasonCounts;
  revoked: number;
  active: number;
  proxyMalformed: number;
  proxyTimeout: number;
  upstreamErrors: number;
}

const cells = (reasons: readonly string[]): ReasonCounts => reasons.map((reason) => ({ reason, count: 0 }));

export function newListenerCounters(): ListenerCounters {
  return {
    allowed: cells(['authorized', 'egress', 'disabled', 'not-enforced']),
    refused: cells(['not-authorized', 'egress-only', 'bad-source-address', 'proxy-header-malformed', 'proxy-header-timeout']),
    revoked: 0,
    active: 0,
    proxyMalformed: 0,
    proxyTimeout: 0,
    upstreamErrors: 0,
  };
}

/** Counts one decision of `reason` (a reason not known in advance gets its own cell). */
export function countReason(counts: ReasonCounts, reason: string): void {
  for (let i = 0; i < counts.length; i++) {
    const cell = counts[i];
    if (cell !== undefined && cell.reason === reason) {
      cell.count++;
      return;
    }
  }
  counts.push({ reason, count: 1 });
}
