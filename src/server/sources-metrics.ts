/** Prometheus metrics of the range sources, read from the sync status at scrape time. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SourcesBinding } from './sources-binding.js';

export function registerSourceMetrics(registry: Registry, binding: SourcesBinding): void {
  new Counter({
    name: 'ipgate_source_syncs_total',
    help: 'Syncs of a range source, by result (success: fetched, unchanged or not modified; failure: the last good data stayed).',
    labelNames: ['source', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [source, c] of binding.counts) {
        this.inc({ source, result: 'success' }, c.successes);
        this.inc({ source, result: 'failure' }, c.failures);
      }
    },
  });
  new Gauge({
    name: 'ipgate_source_prefixes',
    help: 'Distinct prefixes in the data of a range source in use (0: no data yet).',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of binding.sync.status()) this.set({ source: s.name }, s.prefixCount);
    },
  });
  new Gauge({
    name: 'ipgate_source_last_success_timestamp_seconds',
    help: 'When a range source was last confirmed current (Unix time; absent before the first success).',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of binding.sync.status()) if (s.lastSuccess !== undefined) this.set({ source: s.name }, Date.parse(s.lastSuccess) / 1000);
    },
  });
  new Gauge({
    name: 'ipgate_source_up',
    help: 'Whether the latest sync of a range source succeeded (1) or failed (0, the last good data is in use).',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of binding.sync.status()) this.set({ source: s.name }, s.lastError === undefined && s.available ? 1 : 0);
    },
  });
}
