/** Prometheus metrics of the profile in force and its changes, read at scrape time. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProfileState } from './profile-state.js';
import type { ReloadCounters } from './reload-counters.js';

export function registerProfileMetrics(registry: Registry, state: ProfileState, counters: ReloadCounters): void {
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
  new Gauge({
    name: 'ipgate_profile_last_reload_success_timestamp_seconds',
    help: 'When the profile in force was put in force (at start, or by the last change applied), in seconds since the epoch.',
    registers: [registry],
    collect() {
      this.set(state.current.appliedAt / 1000);
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
}
