/**
 * ipgate's own data plane (the embedded default): one Node listener per configured listener, each judging
 * every connection by its source and splicing the allowed ones to the upstream. It follows the profile state
 * by itself: a new generation closes the open connections it no longer allows (with `revokeExisting`).
 */
import type { Registry } from 'prom-client';
import { formatEndpoint } from '../config/address.js';
import type { GatewayConfig } from '../config/types.js';
import { requireUpstream } from '../config/upstream.js';
import { IpgateError } from '../errors.js';
import type { BoundListener, DataPlane } from '../runtime/dataplane.js';
import type { Logger } from '../runtime/log.js';
import type { ProfileState } from '../runtime/profile-state.js';
import { RefusalRing, type RefusalRecord } from '../runtime/refusal-ring.js';
import { openAuditLog, type AuditLog } from '../runtime/audit-log.js';
import { ConnectionTracker } from './connection-tracker.js';
import { newListenerCounters, type ListenerCounters } from './counters.js';
import { GatewayListener } from './listener.js';
import { EntryNames, MatchLog, type MatchRecord } from '../runtime/match-log.js';
import { registerNodeConnectionMetrics } from './metrics.js';

export class NodeDataPlane implements DataPlane {
  readonly listeners: BoundListener[] = [];
  /** Counters of each listener, by name. */
  readonly counters = new Map<string, ListenerCounters>();
  private readonly tracker = new ConnectionTracker();
  private readonly refusals: RefusalRing[] = [];
  private readonly servers: GatewayListener[] = [];
  /** Which entry admitted which listener's connections recently. */
  private readonly matches: MatchLog;
  private readonly audit: AuditLog;
  private stopping = false;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly config: GatewayConfig,
    state: ProfileState,
    private readonly log: Logger,
  ) {
    this.audit = openAuditLog(config.auditLog, { log });
    this.matches = new MatchLog(config.listeners.map((l) => l.name));
    this.matches.setEntries(new EntryNames(state.current.compiled.profile, state.current.origins, state.stored.profile));
    this.unsubscribe = state.subscribe((current) => {
      this.matches.setEntries(new EntryNames(current.compiled.profile, current.origins, state.stored.profile));
      if (!config.revokeExisting) return;
      const closed = this.tracker.revoke(current.compiled);
      if (closed.length > 0) log('info', 'connections-revoked', { count: closed.length, generation: current.generation });
    });
  }

  /** Binds every listener; on failure closes what was bound and throws. */
  static async start(config: GatewayConfig, state: ProfileState, log: Logger): Promise<NodeDataPlane> {
    const plane = new NodeDataPlane(config, state, log);
    try {
      for (const listenerConfig of config.listeners) {
        const counters = newListenerCounters();
        plane.counters.set(listenerConfig.name, counters);
        const refusals = new RefusalRing(listenerConfig.name);
        plane.refusals.push(refusals);
        const listener = new GatewayListener({
          config: listenerConfig,
          upstream: requireUpstream(config),
          upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
          state,
          counters,
          audit: plane.audit,
          tracker: plane.tracker,
          refusals,
          matches: plane.matches,
        });
        const bound = await listener.listen();
        plane.servers.push(listener);
        plane.listeners.push({ name: listenerConfig.name, address: formatEndpoint(bound.address, bound.port), enforce: listenerConfig.enforce });
      }
    } catch (error) {
      await plane.stop(0);
      throw error;
    }
    return plane;
  }

  get healthy(): boolean {
    return !this.stopping;
  }

  get openConnections(): number {
    return this.tracker.size;
  }

  /** A new profile is in force as soon as it is swapped in the state: nothing to wait for. */
  settled(): Promise<void> {
    return Promise.resolve();
  }

  /** SIGHUP: open the audit log file again by name (after a rotation); on failure the old file stays in use. */
  reload(): void {
    const target = this.config.auditLog;
    try {
      this.audit.reopen();
      if (target !== '-' && target !== 'off') this.log('info', 'audit-log-reopened', { file: target });
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_AUDIT_LOG', String(error));
      this.log('error', 'audit-log-error', { code: e.code, file: target, problem: `${e.message}; still writing to the file opened before` });
    }
  }

  recentRefusals(): RefusalRecord[] {
    return this.refusals.flatMap((ring) => ring.list()).sort((a, b) => b.lastSeen - a.lastSeen);
  }

  recentMatches(): MatchRecord[] {
    return this.matches.list();
  }

  registerMetrics(registry: Registry): void {
    registerNodeConnectionMetrics(registry, this.counters);
  }

  async stop(drainTimeoutMs: number): Promise<{ drained: boolean; closed: number }> {
    if (this.stopping) return { drained: true, closed: 0 };
    this.stopping = true;
    this.unsubscribe();
    for (const server of this.servers) server.stopAccepting();
    const drained = await this.tracker.drained(drainTimeoutMs);
    const closed = this.tracker.size;
    this.tracker.destroyAll();
    await this.audit.close();
    return { drained, closed };
  }
}
