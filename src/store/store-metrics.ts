/** Prometheus metrics of a shared store (etcd): reachability, watch errors, refused values. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProfileStore } from './types.js';

export function registerStoreMetrics(registry: Registry, store: ProfileStore): void {
  const health = store.health?.bind(store);
  if (health === undefined) return;
  new Gauge({
    name: 'ipgate_store_up',
    help: 'Whether the profile store (etcd) is reachable and watched: 1 up, 0 degraded (the last good profile stays in force).',
    registers: [registry],
    collect() {
      this.set(health().up ? 1 : 0);
    },
  });
  new Counter({
    name: 'ipgate_store_watch_errors_total',
    help: 'Times the watch on the profile key broke and was re-established.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(health().watchErrors);
    },
  });
  new Counter({
    name: 'ipgate_store_rejected_values_total',
    help: 'Values found in the store that did not parse or validate (refused; the last good profile stayed).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(health().rejected);
    },
  });
}
