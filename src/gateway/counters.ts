/**
 * Plain counters the connection path increments (a property increment, nothing more); the metrics endpoint
 * reads them when scraped.
 */
export interface ListenerCounters {
  allowed: number;
  refused: number;
  revoked: number;
  active: number;
  proxyMalformed: number;
  proxyTimeout: number;
  upstreamErrors: number;
}

export function newListenerCounters(): ListenerCounters {
  return { allowed: 0, refused: 0, revoked: 0, active: 0, proxyMalformed: 0, proxyTimeout: 0, upstreamErrors: 0 };
}
