/** Prometheus metrics of the Node listeners' connections, read from their counters at scrape time. */
import { Counter, type Registry } from 'prom-client';
import { registerConnectionMetrics, type DecisionCount } from '../runtime/connection-metrics.js';
import type { ListenerCounters } from './counters.js';

export function registerNodeConnectionMetrics(registry: Registry, listeners: ReadonlyMap<string, ListenerCounters>): void {
  const perListener = (set: (name: string, c: ListenerCounters) => void): void => {
    for (const [name, c] of listeners) set(name, c);
  };

  registerConnectionMetrics(registry, {
    decisions() {
      const out: DecisionCount[] = [];
      perListener((listener, c) => {
        for (const { reason, count } of c.allowed) out.push({ listener, decision: 'allowed', reason, count });
        for (const { reason, count } of c.refused) out.push({ listener, decision: 'refused', reason, count });
      });
      return out;
    },
    active() {
      const out: { listener: string; count: number }[] = [];
      perListener((listener, c) => out.push({ listener, count: c.active }));
      return out;
    },
    revoked: () => [...listeners].map(([listener, c]) => [listener, c.revoked] as const),
  });
  new Counter({
    name: 'ipgate_proxy_protocol_errors_total',
    help: 'Connections closed for a malformed or late PROXY protocol header.',
    labelNames: ['listener', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      perListener((listener, c) => {
        this.inc({ listener, kind: 'malformed' }, c.proxyMalformed);
        this.inc({ listener, kind: 'timeout' }, c.proxyTimeout);
      });
    },
  });
  new Counter({
    name: 'ipgate_upstream_errors_total',
    help: 'Allowed connections closed because the upstream could not be reached or failed.',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      this.reset();
      perListener((listener, c) => this.inc({ listener }, c.upstreamErrors));
    },
  });
}
