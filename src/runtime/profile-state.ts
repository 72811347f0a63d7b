/**
 * The profile in force: compiled once per change and swapped in one assignment, so every connection is
 * judged by one whole profile, never half of one. Subscribers hear about each new generation.
 */
import { compileProfile, type CompiledProfile } from '../policy/decide.js';
import { sameLists, type Profile } from '../policy/profile.js';
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
  /** When it was put in force (milliseconds since the epoch). */
  readonly appliedAt: number;
}

export type GenerationListener = (current: ProfileGeneration, previous: ProfileGeneration) => void;

export class ProfileState {
  private currentGeneration: ProfileGeneration;
  private readonly listeners = new Set<GenerationListener>();
  /** The stored profile in force (before compiling: references as written). */
  private snapshot: StoreSnapshot;

  /**
   * Compiles the first profile; throws IpgateError ERR_PROFILE_INVALID when it is not valid. `initial`, when
   * given, is installed instead of compiling (a refusal put in force while the profile cannot be).
   */
  constructor(snapshot: StoreSnapshot, private readonly compiler: ProfileCompiler = plainCompiler, initial?: Compiled) {
    this.snapshot = snapshot;
    const first = initial ?? compiler(snapshot.profile);
    this.currentGeneration = {
      compiled: first.compiled, generation: 1, revision: snapshot.revision, appliedAt: Date.now(), ...(first.origins === undefined ? {} : { origins: first.origins }),
    };
  }

  /** The latest stored profile (the one in force, or a newer one that could not be compiled yet). */
  get stored(): StoreSnapshot {
    return this.snapshot;
  }

  get current(): ProfileGeneration {
    return this.currentGeneration;
  }

  /**
   * Compiles and installs a new profile (throws and changes nothing if it does not compile). Returns the new
   * generation, or the current one when the revision is unchanged.
   */
  swap(snapshot: StoreSnapshot): ProfileGeneration {
    const previous = this.currentGeneration;
    if (snapshot.revision === previous.revision) return previous;
    // Remembered even when it does not compile now: a later recompile (new source data) may succeed.
    this.snapshot = snapshot;
    return this.install(this.compiler(snapshot.profile), snapshot.revision);
  }

  /**
   * Compiles the stored profile again (its references now select other prefixes) and installs the result
   * when the enforced lists changed. Throws, changing nothing, when it does not compile.
   */
  recompile(): ProfileGeneration {
    const made = this.compiler(this.snapshot.profile);
    if (this.snapshot.revision === this.currentGeneration.revision && sameLists(made.compiled.profile, this.currentGeneration.compiled.profile)) {
      const origins = made.origins ?? this.currentGeneration.origins;
      this.currentGeneration = { ...this.currentGeneration, ...(origins === undefined ? {} : { origins }) };
      return this.currentGeneration;
    }
    return this.install(made, this.snapshot.revision);
  }

  private install(made: Compiled, revision: string): ProfileGeneration {
    const previous = this.currentGeneration;
    const next: ProfileGeneration = {
      compiled: made.compiled, generation: previous.generation + 1, revision, appliedAt: Date.now(), ...(made.origins === undefined ? {} : { origins: made.origins }),
    };
    this.currentGeneration = next;
    for (const listener of [...this.listeners]) listener(next, previous);
    return next;
  }

  subscribe(listener: GenerationListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
