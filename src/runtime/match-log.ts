/**
 * Which listener's traffic each profile entry admitted recently (`GET /v1/matches`, the dashboard's Ranges
 * page): per (listener, entry) a count and the last time, so an operator can tell a live entry from a
 * forgotten one before removing it. Entries are counted as written in the profile: a prefix that a range
 * source's reference expanded to counts for the reference. Bounded by construction: only the listeners
 * given and the entries of the profile in force are counted (at most listeners × entries records), and a
 * new profile drops the records of entries it no longer has. One Map lookup per allowed connection. Pure.
 */
import { formatRange } from '../cidr/format.js';
import { parseRange } from '../cidr/parse.js';

export interface MatchRecord {
  readonly listener: string;
  /** The profile entry as written (`203.0.113.0/24`, `azure:AzureCloud.westeurope`). */
  readonly entry: string;
  /** Connections it admitted on this listener since it was first counted. */
  readonly count: number;
  /** Milliseconds since the epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
}

interface Slot {
  count: number;
  readonly firstSeen: number;
  lastSeen: number;
}

export class MatchLog {
  /** Per listener: written entry → its counts. */
  private readonly counts = new Map<string, Map<string, Slot>>();
  /** The entry a verdict names (`matched`, a compiled prefix) → the profile entry as written. */
  private written: ReadonlyMap<string, string> = new Map();

  constructor(listeners: readonly string[]) {
    for (const name of listeners) this.counts.set(name, new Map());
  }

  /**
   * The profile in force changed: `matched` lists every entry a verdict may name, each with the profile entry
   * it came from (itself, or the reference that expanded to it). Records of entries no longer there are dropped.
   */
  setEntries(matched: Iterable<readonly [string, string]>): void {
    const written = new Map<string, string>(matched);
    const keep = new Set(written.values());
    for (const slots of this.counts.values()) {
      for (const entry of slots.keys()) if (!keep.has(entry)) slots.delete(entry);
    }
    this.written = written;
  }

  /** A connection on `listener` was admitted by the entry `matched` (a verdict's `matched`). */
  record(listener: string, matched: string, now: number): void {
    const entry = this.written.get(matched);
    const slots = this.counts.get(listener);
    if (entry === undefined || slots === undefined) return;
    const held = slots.get(entry);
    if (held === undefined) {
      slots.set(entry, { count: 1, firstSeen: now, lastSeen: now });
      return;
    }
    held.count++;
    held.lastSeen = now;
  }

  /** Copies of the records, most recent first. */
  list(): MatchRecord[] {
    const out: MatchRecord[] = [];
    for (const [listener, slots] of this.counts) {
      for (const [entry, s] of slots) out.push({ listener, entry, count: s.count, firstSeen: s.firstSeen, lastSeen: s.lastSeen });
    }
    return out.sort((a, b) => b.lastSeen - a.lastSeen);
  }

  /** Records held now (at most listeners × entries). */
  get size(): number {
    let n = 0;
    for (const slots of this.counts.values()) n += slots.size;
    return n;
  }
}

type Lists = { readonly authorizedIpRanges: readonly string[]; readonly egressIpRanges: readonly string[] };

function canonical(text: string): string | undefined {
  try {
    return formatRange(parseRange(text));
  } catch {
    return undefined;
  }
}

/**
 * What a generation's verdicts may name (the entries of its compiled lists), each with the profile entry it
 * stands for: the reference that expanded to it (`origins`), else the stored entry it is written as (a range
 * source's expansion writes `203.0.113.7` as `203.0.113.7/32`), else itself.
 */
export function matchableEntries(compiled: Lists, origins: ReadonlyMap<string, { readonly reference: string }> | undefined, written: Lists = compiled): Array<readonly [string, string]> {
  const byCanonical = new Map<string, string>();
  for (const w of [...written.authorizedIpRanges, ...written.egressIpRanges]) {
    const c = canonical(w);
    if (c !== undefined && !byCanonical.has(c)) byCanonical.set(c, w);
  }
  return [...compiled.authorizedIpRanges, ...compiled.egressIpRanges].map((e) => {
    const reference = origins?.get(e)?.reference;
    if (reference !== undefined) return [e, reference] as const;
    const c = canonical(e);
    return [e, (c === undefined ? undefined : byCanonical.get(c)) ?? e] as const;
  });
}
