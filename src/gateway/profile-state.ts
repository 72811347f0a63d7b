/**
 * The profile in force: compiled once per change and swapped in one assignment, so every connection is
 * judged by one whole profile, never half of one. Subscribers hear about each new generation.
 */
import { compileProfile, type CompiledProfile } from '../policy/decide.js';
import type { StoreSnapshot } from '../store/types.js';

export interface ProfileGeneration {
  readonly compiled: CompiledProfile;
  /** Counts swaps from 1. */
  readonly generation: number;
  /** The store revision it came from (the admin API's ETag). */
  readonly revision: string;
}

export type GenerationListener = (current: ProfileGeneration, previous: ProfileGeneration) => void;

export class ProfileState {
  private currentGeneration: ProfileGeneration;
  private readonly listeners = new Set<GenerationListener>();

  /** Compiles the first profile; throws IpgateError ERR_PROFILE_INVALID when it is not valid. */
  constructor(snapshot: StoreSnapshot) {
    this.currentGeneration = { compiled: compileProfile(snapshot.profile), generation: 1, revision: snapshot.revision };
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
    const compiled = compileProfile(snapshot.profile);
    const next: ProfileGeneration = { compiled, generation: previous.generation + 1, revision: snapshot.revision };
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
