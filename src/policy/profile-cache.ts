/**
 * The last profile validated and compiled, remembered by an object its owner creates (the running process
 * makes one and hands it to the admin API, the store and the profile state). One change of a large profile
 * is judged several times in a row (the admin API validates and compiles it, the store validates what it
 * writes, the profile state compiles what the store reports), and each repeat on equal lists is free.
 *
 * An analysis is remembered only when every entry parsed as a range: it then depends on nothing but the lists
 * and the options (a reference check is asked about non-ranges only). Lists that differ from the remembered
 * ones take its parsed entries where they agree with it, so only what changed is parsed.
 */
import { compileProfile, type CompiledProfile } from './decide.js';
import { heldList, sameLists, type Profile } from './profile.js';
import { analyzeProfile, type ProfileAnalysis, type ValidateOptions, type ValidationResult } from './validate.js';

interface Remembered {
  readonly profile: Profile;
  readonly target: string;
  readonly vnet: boolean;
  readonly analysis: ProfileAnalysis;
}

export class ProfileCache {
  private analysis: Remembered | undefined;
  private compiled: CompiledProfile | undefined;

  analyze(profile: Profile, options: ValidateOptions = {}): ProfileAnalysis {
    const target = options.target ?? 'ipgate';
    const vnet = options.vnetIntegration === true;
    const last = this.analysis;
    if (last !== undefined && last.target === target && last.vnet === vnet && sameLists(last.profile, profile)) return copy(last.analysis);
    // The last analysis lends the entries the new lists share with it (a PATCH of a large list parses its change).
    const analysis = analyzeProfile(profile, options, last?.analysis);
    const onlyRanges = analysis.authorized.every((e) => e.kind === 'range') && analysis.egress.every((e) => e.kind === 'range');
    if (onlyRanges && Array.isArray(profile.authorizedIpRanges) && Array.isArray(profile.egressIpRanges)) {
      for (const p of analysis.result.problems) Object.freeze(p);
      const lists = { authorizedIpRanges: heldList(profile.authorizedIpRanges), egressIpRanges: heldList(profile.egressIpRanges) };
      this.analysis = { profile: lists, target, vnet, analysis };
    }
    return copy(analysis);
  }

  validate(profile: Profile, options: ValidateOptions = {}): ValidationResult {
    return this.analyze(profile, options).result;
  }

  /** compileProfile, answered from memory for lists equal to the last ones compiled. */
  compile(profile: Profile): CompiledProfile {
    const last = this.compiled;
    if (last !== undefined && sameLists(last.profile, profile)) return last;
    this.compiled = compileProfile(profile, this.analyze(profile, { target: 'ipgate' }));
    return this.compiled;
  }
}

/** The caller gets its own problems array (the problems themselves are frozen). */
function copy(analysis: ProfileAnalysis): ProfileAnalysis {
  return { ...analysis, result: { valid: analysis.result.valid, problems: [...analysis.result.problems] } };
}
