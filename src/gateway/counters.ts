/**
 * Plain counters the connection path increments (a property increment, nothing more); the metrics endpoint
 * reads them when scraped. Decisions are counted per reason of the verdict, in objects created with every
 * reason a listener gives, so counting one is an increment of a property that already exists.
 */
export type ReasonCounts = Record<string, number>;

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

export function newListenerCounters(): ListenerCounters {
  return {
    allowed: { authorized: 0, egress: 0, disabled: 0, 'not-enforced': 0 },
    refused: { 'not-authorized': 0, 'egress-only': 0, 'bad-source-address': 0, 'proxy-header-malformed': 0, 'proxy-header-timeout': 0 },
    revoked: 0,
    active: 0,
    proxyMalformed: 0,
    proxyTimeout: 0,
    upstreamErrors: 0,
  };
}

/** Counts one decision of `reason` (a reason not known in advance gets its own entry). */
export function countReason(counts: ReasonCounts, reason: string): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

