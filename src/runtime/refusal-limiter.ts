/**
 * Rate limit of the audit log's refusal lines, so a flood of refused connections cannot fill the disk: the
 * first `perSecond` refusals of each source in a one-second window are written; the rest are counted and
 * summed up in one line per source (and listener and reason) when the window closes. Pure: the caller ends
 * each window (a one-second timer in ./audit-log.ts), and the table is emptied then, so it never holds more
 * sources than connected within one second (and at most `maxSources`: beyond that, refusals of sources not
 * in the table are summed up under the source "*").
 */

export interface SuppressedRefusals {
  readonly listener: string;
  /** The source address, or "*" for sources beyond the table's size. */
  readonly source: string;
  readonly reason: string;
  readonly suppressed: number;
}

/** Suppressed counts by listener, then reason (no key strings built per refusal). */
type Counts = Map<string, Map<string, number>>;

/** Refusals of one source in the current window. */
interface SourceWindow {
  written: number;
  suppressed: Counts | undefined;
}

export const OVERFLOW_SOURCE = '*';

export class RefusalLimiter {
  private readonly sources = new Map<string, SourceWindow>();
  private overflow: Counts | undefined;

  constructor(
    readonly perSecond = 10,
    readonly maxSources = 100_000,
  ) {}

  /** Whether this refusal's line is written (true) or only counted (false). */
  admit(listener: string, source: string, reason: string): boolean {
    let window = this.sources.get(source);
    if (window === undefined) {
      if (this.sources.size >= this.maxSources) {
        this.overflow ??= new Map();
        count(this.overflow, listener, reason);
        return false;
      }
      window = { written: 0, suppressed: undefined };
      this.sources.set(source, window);
    }
    if (window.written < this.perSecond) {
      window.written++;
      return true;
    }
    window.suppressed ??= new Map();
    count(window.suppressed, listener, reason);
    return false;
  }

  /** Whether the current window saw any refusal (so a caller can stop its timer while there are none). */
  get active(): boolean {
    return this.sources.size > 0 || this.overflow !== undefined;
  }

  /** Ends the window: what was suppressed in it, and an empty table for the next one. */
  endWindow(): SuppressedRefusals[] {
    const out: SuppressedRefusals[] = [];
    for (const [source, window] of this.sources) {
      if (window.suppressed !== undefined) out.push(...summaries(source, window.suppressed));
    }
    if (this.overflow !== undefined) out.push(...summaries(OVERFLOW_SOURCE, this.overflow));
    this.sources.clear();
    this.overflow = undefined;
    return out;
  }
}

function count(counts: Counts, listener: string, reason: string): void {
  let byReason = counts.get(listener);
  if (byReason === undefined) {
    byReason = new Map();
    counts.set(listener, byReason);
  }
  byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
}

function summaries(source: string, counts: Counts): SuppressedRefusals[] {
  const out: SuppressedRefusals[] = [];
  for (const [listener, byReason] of counts) {
    for (const [reason, suppressed] of byReason) out.push({ listener, source, reason, suppressed });
  }
  return out;
}
