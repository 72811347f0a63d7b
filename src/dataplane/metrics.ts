/**
 * HAProxy's counters (from `show stat`) and the data plane's own, in ipgate's /metrics registry. The
 * connection counts are reported twice: under the names every data plane shares (by ipgate listener, see
 * runtime/connection-metrics.ts) and, as before, by HAProxy frontend under `ipgate_haproxy_*`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { registerConnectionMetrics, registerScrapedCounter, type ActiveCount, type DecisionCount } from '../runtime/connection-metrics.js';
import type { HaproxyDataPlane } from './haproxy-dataplane.js';

export function registerHaproxyMetrics(registry: Registry, plane: HaproxyDataPlane): void {
  const perListener = async (): Promise<{ listener: string; connections: number; refused: number; current: number }[]> => {
    const out = [];
    for (const f of await plane.stats()) {
      const listener = plane.listenerOf(f.name);
      if (listener !== undefined) out.push({ listener, connections: f.connections, refused: f.refused, current: f.current });
    }
    return out;
  };
  registerConnectionMetrics(registry, {
    async decisions() {
      const out: DecisionCount[] = [];
      for (const l of await perListener()) {
        out.push({ listener: l.listener, decision: 'allowed', count: Math.max(0, l.connections - l.refused) });
        out.push({ listener: l.listener, decision: 'refused', count: l.refused });
      }
      return out;
    },
    async active() {
      const out: ActiveCount[] = [];
      for (const l of await perListener()) out.push({ listener: l.listener, count: l.current });
      return out;
    },
  });
  new Gauge({
    name: 'ipgate_haproxy_up',
    help: 'Whether HAProxy runs and answers its runtime API (1) or not (0).',
    registers: [registry],
    collect() {
      this.set(plane.healthy ? 1 : 0);
    },
  });
  new Counter({
    name: 'ipgate_haproxy_connections_total',
    help: 'Connections HAProxy accepted on a frontend, by decision (allowed, refused by the allow map).',
    labelNames: ['frontend', 'decision'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await plane.stats()) {
        this.inc({ frontend: f.name, decision: 'allowed' }, Math.max(0, f.connections - f.refused));
        this.inc({ frontend: f.name, decision: 'refused' }, f.refused);
      }
    },
  });
  new Gauge({
    name: 'ipgate_haproxy_current_sessions',
    help: 'Sessions open through an HAProxy frontend now.',
    labelNames: ['frontend'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await plane.stats()) this.set({ frontend: f.name }, f.current);
    },
  });
  const counter = (name: string, help: string, value: () => number): void => registerScrapedCounter(registry, name, help, value);
  counter('ipgate_haproxy_restarts_total', 'Times ipgate restarted a managed HAProxy that died.', () => plane.restarts);
  counter('ipgate_haproxy_map_swaps_total', 'Profile changes committed to HAProxy (one atomic map swap each).', () => plane.counters.applied);
  counter('ipgate_haproxy_map_swap_failures_total', 'Swaps HAProxy refused or could not be reached for (it kept its last list).', () => plane.counters.applyFailures);
  counter('ipgate_haproxy_revoked_sessions_total', 'HAProxy sessions shut down because a profile change no longer allows their source.', () => plane.counters.revoked);
  new Gauge({
    name: 'ipgate_haproxy_map_entries',
    help: 'Entries of the allow map HAProxy enforces.',
    registers: [registry],
    collect() {
      this.set(plane.counters.mapEntries);
    },
  });
  new Gauge({
    name: 'ipgate_haproxy_applied_generation',
    help: 'Profile generation HAProxy enforces (equals ipgate_profile_generation when in sync).',
    registers: [registry],
    collect() {
      this.set(plane.applied);
    },
  });
}
