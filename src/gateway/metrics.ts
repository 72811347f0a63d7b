/** Prometheus metrics (prom-client), read from the gateway's counters and profile state at scrape time. */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { GatewayCounters, ListenerCounters } from './counters.js';
import type { ProfileState } from './profile-state.js';

export function createMetrics(counters: GatewayCounters, state: ProfileState): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ipgate_' });
  const perListener = (set: (name: string, c: ListenerCounters) => void): void => {
    for (const [name, c] of counters.listeners) set(name, c);
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
  new Gauge({
    name: 'ipgate_profile_entries',
    help: 'Entries of the profile in force, by list.',
    labelNames: ['list'] as const,
    registers: [registry],
    collect() {
      const profile = state.current.compiled.profile;
      this.set({ list: 'authorized' }, profile.authorizedIpRanges.length);
      this.set({ list: 'egress' }, profile.egressIpRanges.length);
    },
  });
  new Gauge({
    name: 'ipgate_profile_generation',
    help: 'Generation of the profile in force (1 at start, +1 per change).',
    registers: [registry],
    collect() {
      this.set(state.current.generation);
    },
  });
  new Counter({
    name: 'ipgate_profile_reloads_total',
    help: 'Profile changes put in force (admin API, store file edits, SIGHUP).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.reloads);
    },
  });
  new Counter({
    name: 'ipgate_profile_reload_failures_total',
    help: 'Profile or config changes refused because they did not parse or validate (the last good profile stayed).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.reloadFailures);
    },
  });
  return registry;
}
