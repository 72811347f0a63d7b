/**
 * The connection metrics every data plane reports, under the same names and labels whichever carries the
 * connections (ipgate's Node listeners or HAProxy), so one dashboard and one alert work for both:
 * `ipgate_connections_total{listener,decision[,reason]}`, `ipgate_active_connections{listener}` and, where
 * the data plane cuts connections itself, `ipgate_revoked_connections_total{listener}`. Read from the data
 * plane at scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type Decision = 'allowed' | 'refused';

export interface DecisionCount {
  readonly listener: string;
  readonly decision: Decision;
  /** The verdict's reason (not-authorized, egress-only, ...), where the data plane knows it. */
  readonly reason?: string;
  readonly count: number;
}

export interface ActiveCount {
  readonly listener: string;
  readonly count: number;
}

export interface ConnectionReadings {
  decisions(): readonly DecisionCount[] | Promise<readonly DecisionCount[]>;
  active(): readonly ActiveCount[] | Promise<readonly ActiveCount[]>;
  /** Open connections closed because a profile change no longer allows their source, per listener. */
  revoked?(): Iterable<readonly [listener: string, count: number]>;
}

/** A counter without labels whose value is read from the data plane at scrape time. */
export function registerScrapedCounter(registry: Registry, name: string, help: string, value: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

export function registerConnectionMetrics(registry: Registry, readings: ConnectionReadings): void {
  new Counter({
    name: 'ipgate_connections_total',
    help: 'Connections judged by a listener, by decision (allowed, refused) and the reason of the decision.',
    labelNames: ['listener', 'decision', 'reason'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of await readings.decisions()) {
        this.inc(d.reason === undefined ? { listener: d.listener, decision: d.decision } : { listener: d.listener, decision: d.decision, reason: d.reason }, d.count);
      }
    },
  });
  new Gauge({
    name: 'ipgate_active_connections',
    help: 'Connections open through a listener now.',
    labelNames: ['listener'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const a of await readings.active()) this.set({ listener: a.listener }, a.count);
    },
  });
  const revoked = readings.revoked?.bind(readings);
  if (revoked === undefined) return;
  new Counter({
    name: 'ipgate_revoked_connections_total',
    help: 'Open connections closed because a profile change no longer allows their source.',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [listener, count] of revoked()) this.inc({ listener }, count);
    },
  });
}
