/**
 * The profile in force: compiled once per change and swapped in one assignment, so every connection is
 * judged by one whole profile, never half of one. Subscribers hear about each new generation.
 *
 * Entries that expire are left out of what is compiled from the instant they expire (policy/expiry.ts): a
 * timer recompiles the stored profile without them at that instant, and since a timer may fire late, each
 * read of `current` (every connection's decision reads it) compares the generation's earliest expiry time
 * with the clock and recompiles first when it has passed. When nothing expires that is one comparison.
 */
import { compileProfile, type CompiledProfile } from '../policy/decide.js';
import { withoutExpired } from '../policy/expiry.js';
import { EGRESS_ONLY, sameLists, type Profile, type Verdict } from '../policy/profile.js';
import { parseAddress } from '../cidr/parse.js';
import type { Address } from '../cidr/types.js';
import type { StoreSnapshot } from '../store/types.js';

/** Where a prefix of the compiled profile came from, when a reference into a range source admitted it. */
export interface PrefixOrigin {
  /** The profile entry as written, e.g. `azure:AzureCloud.westeurope`. */
  readonly reference: string;
  readonly source: string;
}

/** A stored profile made ready to enforce: compiled, with the origin of each prefix that came from a source. */
export interface Compiled {
  readonly compiled: CompiledProfile;
  /** Keyed by the compiled entry (`matched` of a verdict). */
  readonly origins?: ReadonlyMap<string, PrefixOrigin>;
}

/** Turns a stored profile into what is enforced; throws IpgateError (changing nothing) when it cannot. */
export type ProfileCompiler = (profile: Profile) => Compiled;

const plainCompiler: ProfileCompiler = (profile) => ({ compiled: compileProfile(profile) });

export interface ProfileGeneration {
  readonly compiled: CompiledProfile;
  /** Counts swaps from 1. */
  readonly generation: number;
  /** The store revision it came from (the admin API's ETag). */
  readonly revision: string;
  readonly origins?: ReadonlyMap<string, PrefixOrigin>;
  /** The earliest expiry time (ms since the epoch) of its entries; Infinity when none expires. */
  readonly expiresAt: number;
  /** Entries of the stored profile left out because they expired (as written). */
  readonly expired: readonly string[];
  /** Every authorized entry expired: the generation is "egress only". */
  readonly egressOnly: boolean;
  /** When it was put in force (milliseconds since the epoch). */
  readonly appliedAt: number;
}

export type GenerationListener = (current: ProfileGeneration, previous: ProfileGeneration) => void;

export interface ProfileStateOptions {
  /** The clock (ms since the epoch); tests give their own. */
  readonly now?: () => number;
  /**
   * What to enforce when the first profile does not compile (a refusal while range sources have no data);
   * without it the constructor throws.
   */
  readonly fallback?: (error: unknown) => Compiled;
}

/** Longest delay of one timer (setTimeout's limit is 2^31-1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const REFUSED: Verdict = Object.freeze({ allowed: false, reason: 'not-authorized' });

/** What is enforced when nothing good can be (see the callers): nobody may connect. */
export function refuseEveryone(): Compiled {
  const profile: Profile = Object.freeze({ authorizedIpRanges: Object.freeze([EGRESS_ONLY]), egressIpRanges: Object.freeze([]) });
  return {
    compiled: {
      profile,
      entries: 0,
      decide(address: string | Address) {
        if (typeof address === 'string') parseAddress(address);
        return REFUSED;
      },
    },
  };
}

export class ProfileState {
  private currentGeneration: ProfileGeneration;
  private readonly listeners = new Set<GenerationListener>();
  /** The stored profile in force (before compiling: references as written). */
  private snapshot: StoreSnapshot;
  /** The stored profile the current generation was compiled from. */
  private enforcedFrom: StoreSnapshot;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * Compiles the first profile; throws IpgateError ERR_PROFILE_INVALID when it is not valid (unless
   * `options.fallback` gives what to enforce instead).
   */
  constructor(snapshot: StoreSnapshot, private readonly compiler: ProfileCompiler = plainCompiler, options: ProfileStateOptions = {}) {
    this.now = options.now ?? Date.now;
    this.snapshot = snapshot;
    this.enforcedFrom = snapshot;
    const unexpired = withoutExpired(snapshot.profile, this.now());
    let first: Compiled;
    try {
      first = compiler(unexpired.profile);
    } catch (error) {
      if (options.fallback === undefined) throw error;
      this.currentGeneration = this.generation(options.fallback(error), 1, snapshot.revision, { expiresAt: Infinity, expired: [], egressOnly: false });
      return;
    }
    this.currentGeneration = this.generation(first, 1, snapshot.revision, unexpired);
    this.schedule();
  }

  /** The latest stored profile (the one in force, or a newer one that could not be compiled yet). */
  get stored(): StoreSnapshot {
    return this.snapshot;
  }

  /** The generation in force, without any entry expired by now. */
  get current(): ProfileGeneration {
    const generation = this.currentGeneration;
    if (generation.expiresAt !== Infinity && generation.expiresAt <= this.now()) return this.expire();
    return generation;
  }

  /**
   * Compiles and installs a new profile (throws and changes nothing if it does not compile). Returns the new
   * generation, or the current one when the revision is unchanged.
   */
  swap(snapshot: StoreSnapshot): ProfileGeneration {
    const previous = this.current;
    if (snapshot.revision === previous.revision) return previous;
    // Remembered even when it does not compile now: a later recompile (new source data) may succeed.
    this.snapshot = snapshot;
    const unexpired = withoutExpired(snapshot.profile, this.now());
    const next = this.install(this.compiler(unexpired.profile), snapshot.revision, unexpired);
    this.enforcedFrom = snapshot;
    return next;
  }

  /**
   * Compiles the stored profile again (its references now select other prefixes) and installs the result
   * when the enforced lists changed. Throws, changing nothing, when it does not compile.
   */
  recompile(): ProfileGeneration {
    const unexpired = withoutExpired(this.snapshot.profile, this.now());
    const made = this.compiler(unexpired.profile);
    const current = this.current;
    if (this.snapshot.revision === current.revision && sameLists(made.compiled.profile, current.compiled.profile)) {
      const origins = made.origins ?? current.origins;
      this.currentGeneration = { ...current, ...(origins === undefined ? {} : { origins }) };
      return this.currentGeneration;
    }
    const next = this.install(made, this.snapshot.revision, unexpired);
    this.enforcedFrom = this.snapshot;
    return next;
  }

  subscribe(listener: GenerationListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops the expiry timer (the process is stopping). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Recompiles what is enforced without the entries expired by now (see the module header). */
  private expire(): ProfileGeneration {
    const from = this.enforcedFrom;
    const unexpired = withoutExpired(from.profile, this.now());
    let made: Compiled;
    try {
      made = this.compiler(unexpired.profile);
    } catch {
      // Leaving entries out of a profile that compiled cannot fail for ranges; should it (a range source
      // without data), the expired entries must still not be admitted: nobody is.
      made = refuseEveryone();
    }
    return this.install(made, from.revision, unexpired);
  }

  private generation(made: Compiled, generation: number, revision: string, expiry: { expiresAt: number; expired: readonly string[]; egressOnly: boolean }): ProfileGeneration {
    return {
      compiled: made.compiled,
      generation,
      revision,
      ...(made.origins === undefined ? {} : { origins: made.origins }),
      expiresAt: expiry.expiresAt,
      expired: expiry.expired,
      egressOnly: expiry.egressOnly,
      appliedAt: Date.now(),
    };
  }

  private install(made: Compiled, revision: string, expiry: { expiresAt: number; expired: readonly string[]; egressOnly: boolean }): ProfileGeneration {
    const previous = this.currentGeneration;
    const next = this.generation(made, previous.generation + 1, revision, expiry);
    this.currentGeneration = next;
    this.schedule();
    for (const listener of [...this.listeners]) listener(next, previous);
    return next;
  }

  /** A timer for the earliest expiry of the generation in force (unref'd: it keeps no process alive). */
  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.currentGeneration.expiresAt;
    if (this.closed || at === Infinity) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Reading `current` recompiles when the time has come; otherwise (a long wait) wait again.
      if (this.current === this.currentGeneration) this.schedule();
    }, delay);
    this.timer.unref();
  }
}
