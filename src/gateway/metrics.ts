/** Prometheus metrics of the Node listeners' connections, read from their counters at scrape time. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ListenerCounters } from './counters.js';

export function registerConnectionMetrics(registry: Registry, listeners: ReadonlyMap<string, ListenerCounters>): void {
  const perListener = (set: (name: string, c: ListenerCounters) => void): void => {
    for (const [name, c] of listeners) set(name, c);
  };

  new Counter({
    name: 'ipgate_connections_total',
    help: 'Connections accepted by a listener, by decision (allowed, refused).',
    labelNames: ['listener', 'decision'] as const,
    registers: [registry],
    collect() {
      this.reset();
      perListener((listener, c) => {
        this.inc({ listener, decision: 'allowed' }, c.allowed);
        this.inc({ listener, decision: 'refused' }, c.refused);
      });
    },
  });
  new Gauge({
    name: 'ipgate_active_connections',
    help: 'Connections open through a listener now.',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      perListener((listener, c) => this.set({ listener }, c.active));
    },
  });
  new Counter({
    name: 'ipgate_revoked_connections_total',
    help: 'Open connections closed because a profile change no longer allows their source.',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      this.reset();
      perListener((listener, c) => this.inc({ listener }, c.revoked));
    },
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
