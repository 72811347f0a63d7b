/**
 * The nftables data plane's metrics: the connection counts under the names every data plane reports
 * (runtime/connection-metrics.ts, plus `ipgate_revoked_connections_total`), read from the table's counters
 * (first packets of connections) and the kernel's sockets at scrape time, and the data plane's own
 * (`ipgate_nft_*`).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { registerConnectionMetrics, registerScrapedCounter, type DecisionCount } from '../runtime/connection-metrics.js';
import type { NftDataPlane } from './nft-dataplane.js';

export function registerNftMetrics(registry: Registry, plane: NftDataPlane): void {
  registerConnectionMetrics(registry, {
    async decisions() {
      const out: DecisionCount[] = [];
      for (const d of await plane.decisions()) {
        out.push({ listener: d.listener, decision: 'allowed', count: d.allowed });
        out.push({ listener: d.listener, decision: 'refused', count: d.refused });
      }
      return out;
    },
    async active() {
      return [...(await plane.active())].map(([listener, count]) => ({ listener, count }));
    },
    revoked: () => plane.counters.revoked,
  });
  new Gauge({
    name: 'ipgate_nft_up',
    help: 'Whether table inet ipgate holds the profile in force and nft answers (1) or not (0).',
    registers: [registry],
    collect() {
      this.set(plane.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipgate_nft_applied_generation',
    help: 'Profile generation the kernel enforces (equals ipgate_profile_generation when in sync).',
    registers: [registry],
    collect() {
      this.set(plane.applied);
    },
  });
  new Gauge({
    name: 'ipgate_nft_set_elements',
    help: 'Elements (intervals) in the sets of table inet ipgate.',
    registers: [registry],
    collect() {
      this.set(plane.elements);
    },
  });
  new Counter({
    name: 'ipgate_nft_updates_total',
    help: 'Profile changes committed to the kernel, by kind (delta: only the difference sets; full: the allow sets rewritten).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ kind: 'delta' }, plane.counters.updates.delta);
      this.inc({ kind: 'full' }, plane.counters.updates.full);
    },
  });
  const counter = (name: string, help: string, value: () => number): void => registerScrapedCounter(registry, name, help, value);
  counter('ipgate_nft_update_failures_total', 'Changes nft refused or could not make (the kernel kept the last list).', () => plane.counters.failures);
  counter('ipgate_nft_drift_total', 'Times the table read back differed from what ipgate wrote (ERR_NFT_DRIFT).', () => plane.counters.drifts);
  counter('ipgate_nft_repairs_total', 'Times the table was written again after a drift.', () => plane.counters.repairs);
  counter('ipgate_nft_logged_refusals_total', 'Refused connections read from the NFLOG group (dataplane.log; rate-limited by the log rule).', () => plane.counters.logged);
  counter('ipgate_nft_conntrack_deleted_total', 'Conntrack entries of refused sources deleted by a change.', () => plane.counters.conntrackDeleted);
}
