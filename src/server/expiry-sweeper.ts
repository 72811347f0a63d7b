/**
 * Writes the removal of expired entries to the store. What is enforced leaves an entry out from the instant
 * it expires (runtime/profile-state.ts), whatever the store holds; this makes the stored profile follow, as a
 * normal recorded change (actor and path `expiry`). Every instance tries, and the write is a compare-and-swap
 * from the revision that still held the entries: of several instances racing, one writes it, the others find
 * nothing left to remove when they read the profile again. A write that fails (the store unreachable) is
 * tried again, waiting twice as long each time up to a minute, until the stored profile no longer holds
 * expired entries.
 */
import { ApiError } from '../admin/api-error.js';
import { enforcedName } from '../admin/named-profiles.js';
import { WriteQueue } from '../admin/write-queue.js';
import { retryLostRaces } from '../admin/write-retry.js';
import { IpgateError } from '../errors.js';
import { withoutExpired } from '../policy/expiry.js';
import type { Logger } from '../runtime/log.js';
import type { ProfileState } from '../runtime/profile-state.js';
import type { ChangeOrigin } from '../store/history.js';
import type { ProfileStore } from '../store/types.js';

export const EXPIRY_ORIGIN: ChangeOrigin = Object.freeze({ actor: 'expiry', address: null, path: 'expiry' });

export interface ExpirySweeperOptions {
  readonly store: ProfileStore;
  readonly state: ProfileState;
  /** The writes to the profile of this process (shared with the admin API). */
  readonly writes: WriteQueue;
  readonly log: Logger;
  readonly now?: () => number;
  /** Wait before trying a failed write again the first time (default 1 s). */
  readonly retryMs?: number;
}

const MAX_RETRY_MS = 60_000;

export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private closed = false;
  private failures = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: ExpirySweeperOptions) {
    this.unsubscribe = options.state.subscribe((current) => {
      if (current.expired.length > 0) this.soon(0);
    });
    if (options.state.current.expired.length > 0) this.soon(0);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private soon(delayMs: number): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep();
    }, delayMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const { store, writes, log } = this.options;
    try {
      await writes.run(`profile:${enforcedName(store)}`, () => retryLostRaces(() => this.once()));
      this.failures = 0;
    } catch (error) {
      const e = error instanceof IpgateError || error instanceof ApiError ? error : new IpgateError('ERR_INTERNAL', String(error));
      const retryMs = Math.min(MAX_RETRY_MS, (this.options.retryMs ?? 1000) * 2 ** this.failures++);
      log('warn', 'expiry-write-failed', { code: e.code, problem: e.message, store: store.description, retryInMs: retryMs });
      this.soon(retryMs);
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.soon(0);
      }
    }
  }

  /** Removes the entries of the stored profile expired by now (nothing when there are none). */
  private async once(): Promise<void> {
    const { store } = this.options;
    await store.prepareWrite?.();
    const snapshot = store.get();
    const { profile, expired } = withoutExpired(snapshot.profile, this.now());
    if (expired.length === 0) return;
    await store.compareAndSwap(snapshot.revision, profile, EXPIRY_ORIGIN);
  }
}
