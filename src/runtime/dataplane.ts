/**
 * What every data plane offers the running process. A data plane carries (or filters) the connections and
 * enforces the profile in force: ipgate's own Node listeners (`gateway/`), HAProxy driven through its runtime
 * API (`dataplane/`). The server picks one from the config, starts it with the profile state, and from then
 * on the data plane follows the state by itself (it subscribes to new generations); the server only asks
 * whether it is healthy, waits for it to settle after a write, forwards SIGHUP and stops it.
 */
import type { Registry } from 'prom-client';
import type { MatchRecord } from './match-log.js';
import type { RefusalRecord } from './refusal-ring.js';

/** A listener as bound (the real port when 0 was configured), for the start-up lines and tests. */
export interface BoundListener {
  readonly name: string;
  readonly address: string;
  readonly enforce: boolean;
}

export interface DataPlane {
  readonly listeners: readonly BoundListener[];
  /** false while the data plane cannot enforce (a managed process died, its API does not answer). */
  readonly healthy: boolean;
  /** Connections open through the data plane now (those it can count). */
  readonly openConnections: number;
  /**
   * Resolves once the profile in force is enforced; rejects with an IpgateError when the data plane refused
   * it (it keeps enforcing its last list and retries).
   */
  settled(): Promise<void>;
  /** SIGHUP: reopen files, re-read what may have changed on disk. */
  reload(): void;
  /** Its metrics, read at scrape time. */
  registerMetrics(registry: Registry): void;
  /**
   * The most recent refused sources of every listener, most recent first (`GET /v1/refusals`); absent on a
   * data plane that does not report its refusals one by one (HAProxy, nftables).
   */
  recentRefusals?(): RefusalRecord[];
  /**
   * Per listener and profile entry, the connections the entry admitted and when it last did (`GET
   * /v1/matches`); absent on a data plane that cannot tell which entry admitted a connection (HAProxy, nftables).
   */
  recentMatches?(): MatchRecord[];
  /** Stops accepting, lets open connections finish for up to `drainTimeoutMs`, then closes the rest. */
  stop(drainTimeoutMs: number): Promise<{ drained: boolean; closed: number }>;
}
