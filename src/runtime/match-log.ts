/**
 * Which listener's traffic each profile entry admitted recently (`GET /v1/matches`, the dashboard's Ranges
 * page): per (listener, entry) a count and the last time, so an operator can tell a live entry from a
 * forgotten one before removing it. Entries are counted as written in the profile: a prefix that a range
 * source's reference expanded to counts for the reference. Bounded by construction: only the listeners
 * given and the entries of the profile in force are counted (at most listeners × entries records), and a
 * new profile drops the records of entries it no longer has. Two Map lookups per allowed connection. Pure.
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
  /** The entries of the profile in force, and the profile entry as written that each stands for. */
  private names: EntryNames = new EntryNames({ authorizedIpRanges: [], egressIpRanges: [] }, undefined);

  constructor(listeners: readonly string[]) {
    for (const name of listeners) this.counts.set(name, new Map());
  }

  /** The profile in force changed: records of entries it no longer has are dropped. */
  setEntries(names: EntryNames): void {
    for (const slots of this.counts.values()) {
      for (const entry of slots.keys()) if (!names.has(entry)) slots.delete(entry);
    }
    this.names = names;
  }

  /** A connection on `listener` was admitted by the entry `matched` (a verdict's `matched`). */
  record(listener: string, matched: string, now: number): void {
    const entry = this.names.nameOf(matched);
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
 * stands for: the reference that expanded to it (`origins`), else itself when it is written so, else the
 * stored entry it is another spelling of (a range source's expansion writes `203.0.113.7` as
 * `203.0.113.7/32`), else itself. Worked out for the entries asked about, when asked: a new generation of a
 * list of a hundred thousand entries costs nothing until its first connection, and then two set lookups
 * per entry that admits one.
 */
export class EntryNames {
  private readonly known = new Map<string, string | undefined>();
  private compiledSet: Set<string> | undefined;
  private writtenSet: Set<string> | undefined;
  private byCanonical: Map<string, string> | undefined;
  private references: Set<string> | undefined;
  private all: Set<string> | undefined;

  constructor(
    private readonly compiled: Lists,
    private readonly origins: ReadonlyMap<string, { readonly reference: string }> | undefined,
    private readonly written: Lists = compiled,
  ) {}

  /** The profile entry `matched` stands for; undefined when it is not an entry of these lists. */
  nameOf(matched: string): string | undefined {
    if (this.known.has(matched)) return this.known.get(matched);
    const name = this.resolve(matched);
    this.known.set(matched, name);
    return name;
  }

  /** Whether some entry of these lists stands for the profile entry `name`. */
  has(name: string): boolean {
    if (this.nameOf(name) === name) return true;
    this.references ??= new Set([...(this.origins?.values() ?? [])].map((o) => o.reference));
    if (this.references.has(name)) return true;
    // Another spelling of an entry (rare): every entry's name, once.
    this.all ??= new Set(entriesOf(this.compiled).map((e) => this.nameOf(e)).filter((n): n is string => n !== undefined));
    return this.all.has(name);
  }

  private resolve(matched: string): string | undefined {
    this.compiledSet ??= new Set(entriesOf(this.compiled));
    if (!this.compiledSet.has(matched)) return undefined;
    const reference = this.origins?.get(matched)?.reference;
    if (reference !== undefined) return reference;
    this.writtenSet ??= new Set(entriesOf(this.written));
    if (this.writtenSet.has(matched)) return matched;
    if (this.byCanonical === undefined) {
      this.byCanonical = new Map();
      for (const w of entriesOf(this.written)) {
        const c = canonical(w);
        if (c !== undefined && !this.byCanonical.has(c)) this.byCanonical.set(c, w);
      }
    }
    const c = canonical(matched);
    return (c === undefined ? undefined : this.byCanonical.get(c)) ?? matched;
  }
}

function entriesOf(lists: Lists): string[] {
  return lists.authorizedIpRanges.concat(lists.egressIpRanges);
}
