/**
 * The most recent refused sources of one listener, so an operator can see which address a locked-out
 * colleague really comes from (`GET /v1/refusals`). Bounded: at most `capacity` sources; a new source
 * beyond it pushes out the source that was added first. A refusal costs one Map lookup and, for a source
 * not yet held, one insertion: it sits on the connection path of refusal floods.
 */

export interface RefusalRecord {
  readonly listener: string;
  readonly address: string;
  /** Refusals of this source since it was added. */
  count: number;
  /** Milliseconds since the epoch. */
  readonly firstSeen: number;
  lastSeen: number;
  /** The reason of the latest refusal (not-authorized, egress-only, proxy-header-malformed, ...). */
  reason: string;
}

/** Sources held per listener unless told otherwise. */
export const DEFAULT_REFUSAL_CAPACITY = 256;

export class RefusalRing {
  private readonly sources = new Map<string, RefusalRecord>();

  constructor(
    readonly listener: string,
    private readonly capacity = DEFAULT_REFUSAL_CAPACITY,
  ) {}

  record(address: string, reason: string, now: number): void {
    const held = this.sources.get(address);
    if (held !== undefined) {
      held.count++;
      held.lastSeen = now;
      held.reason = reason;
      return;
    }
    if (this.sources.size >= this.capacity) {
      const oldest = this.sources.keys().next();
      if (oldest.done !== true) this.sources.delete(oldest.value);
    }
    this.sources.set(address, { listener: this.listener, address, count: 1, firstSeen: now, lastSeen: now, reason });
  }

  /** Copies of the records, most recent refusal first. */
  list(): RefusalRecord[] {
    return [...this.sources.values()].map((r) => ({ ...r })).sort((a, b) => b.lastSeen - a.lastSeen);
  }
}
