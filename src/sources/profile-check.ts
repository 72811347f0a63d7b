/**
 * How a profile's references are checked where no source data is at hand (the config file, the store):
 * a reference is accepted when it names a configured source (a bare Azure tag: when an azure-service-tags
 * source is configured). Whether its selector exists is known only once the source's data is loaded; the
 * gateway checks that when it expands the profile, and refuses (keeping the last good profile) otherwise.
 */
import { validateProfile, type ProfileCheck, type ReferenceCheck, type ReferenceProblem } from '../policy/validate.js';
import { closeMatches, didYouMean } from '../text/suggest.js';
import { parseReference } from './reference.js';
import type { SourceType } from './types.js';

export interface SourceIdentity {
  readonly name: string;
  readonly type: SourceType;
}

export function referenceCheck(sources: readonly SourceIdentity[]): ReferenceCheck {
  return (entry) => {
    const ref = parseReference(entry);
    if (ref === undefined) return undefined;
    if (ref.kind === 'tag') {
      if (sources.some((s) => s.type === 'azure-service-tags')) return [];
      // Without any sources the usual "service tags are not supported" problem is the clearer one.
      if (sources.length === 0) return undefined;
      return [{
        code: 'ERR_SOURCE_UNKNOWN',
        message: `${entry} looks like an Azure service tag, but no source of type azure-service-tags is configured`,
        suggestion: 'add a source { name: azure, type: azure-service-tags, url: ... } under sources:, or list the ranges',
      }];
    }
    const names = sources.map((s) => s.name);
    if (names.includes(ref.source)) return [];
    if (names.length === 0) {
      return [{
        code: 'ERR_SOURCE_UNKNOWN',
        message: `${entry} refers to the range source "${ref.source}", but no sources are configured`,
        suggestion: `add it under sources: in the config (e.g. { name: ${ref.source}, type: ..., url: ... }), or list the ranges`,
      }];
    }
    const matches = closeMatches(ref.source, names);
    const hint = didYouMean(matches);
    const problem: ReferenceProblem = {
      code: 'ERR_SOURCE_UNKNOWN',
      message: `${entry}: no source named "${ref.source}"${hint === undefined ? '' : `; ${hint}`} (configured: ${names.join(', ')})`,
      ...(matches[0] === undefined ? {} : { suggestion: `${matches[0]}:${ref.selector}` }),
    };
    return [problem];
  };
}

/** A store's profile check that accepts references to the configured sources. */
export function profileCheckFor(sources: readonly SourceIdentity[]): ProfileCheck {
  const reference = referenceCheck(sources);
  return (profile) => validateProfile(profile, { target: 'ipgate', reference });
}
