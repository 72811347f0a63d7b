/**
 * Open connections by source, so a profile change can close those it no longer allows (revocation) and a
 * shutdown can wait for them to drain.
 */
import type { CompiledProfile } from '../policy/decide.js';

export interface TrackedConnection {
  readonly listener: string;
  /** The address the decision was made on (the PROXY-carried source when there was one). */
  readonly source: string;
  /** Whether the listener enforces the profile (connections of other listeners are never revoked). */
  readonly enforced: boolean;
  /** Revokes it: closes both sides now (counted and audited as revoked). */
  close(): void;
  /** Closes both sides now (shutdown). */
  destroy(): void;
}

export class ConnectionTracker {
  private readonly open = new Set<TrackedConnection>();
  private readonly drainWaiters = new Set<() => void>();

  get size(): number {
    return this.open.size;
  }

  add(connection: TrackedConnection): void {
    this.open.add(connection);
  }

  remove(connection: TrackedConnection): void {
    if (!this.open.delete(connection)) return;
    if (this.open.size === 0) for (const wake of [...this.drainWaiters]) wake();
  }

  /** Closes every enforced connection the profile does not allow; returns those closed. */
  revoke(profile: CompiledProfile): TrackedConnection[] {
    const closed: TrackedConnection[] = [];
    for (const connection of this.open) {
      if (!connection.enforced) continue;
      let allowed = false;
      try {
        allowed = profile.decide(connection.source).allowed;
      } catch {
        allowed = false;
      }
      if (!allowed) closed.push(connection);
    }
    for (const connection of closed) connection.close();
    return closed;
  }

  /** Resolves when no connection is open, or after `timeoutMs` (true when drained). */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.drainWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.drainWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.drainWaiters.add(wake);
    });
  }

  destroyAll(): void {
    for (const connection of [...this.open]) connection.destroy();
  }
}
