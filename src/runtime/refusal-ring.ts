/**
 * The most recent refused sources of one listener, so an operator can see which address a locked-out
 * colleague really comes from (`GET /v1/refusals`). Bounded: at most `capacity` sources; a new source
 * beyond it pushes out the source that was added first. A refusal costs one Map lookup and, for a source
 * not yet held, one insertion (and one deletion) into fixed, reused slots, so a flood allocates nothing:
 * it sits on the connection path of refusal floods.
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

interface Slot {
  readonly listener: string;
  address: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  reason: string;
}

export class RefusalRing {
  /** The held sources by address. */
  private readonly index = new Map<string, Slot>();
  /** Fixed slots, reused in turn: the next new source takes `slots[next]`, pushing out the one held there. */
  private readonly slots: Slot[] = [];
  private next = 0;

  constructor(
    readonly listener: string,
    private readonly capacity = DEFAULT_REFUSAL_CAPACITY,
  ) {}

  record(address: string, reason: string, now: number): void {
    const held = this.index.get(address);
    if (held !== undefined) {
      held.count++;
      held.lastSeen = now;
      held.reason = reason;
      return;
    }
    let slot = this.slots[this.next];
    if (slot === undefined) {
      slot = { listener: this.listener, address, count: 1, firstSeen: now, lastSeen: now, reason };
      this.slots.push(slot);
    } else {
      // The slot's source was added `capacity` new sources ago: it gives way (no allocation under a flood).
      this.index.delete(slot.address);
      slot.address = address;
      slot.count = 1;
      slot.firstSeen = now;
      slot.lastSeen = now;
      slot.reason = reason;
    }
    this.index.set(address, slot);
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
  }

  /** Copies of the records, most recent refusal first. */
  list(): RefusalRecord[] {
    return this.slots.map((r): RefusalRecord => ({ ...r })).sort((a, b) => b.lastSeen - a.lastSeen);
  }
}
