/**
 * How a profile's references are checked where no source data is at hand (the config file, the store, the
 * admin API before expanding): a reference is accepted when it names a configured source (a bare Azure tag:
 * when an azure-service-tags source is configured) and stands in a list it may stand in (see
 * reference-field.ts). A kubernetes source's selector grammar is checked here too; whether a provider's
 * selector exists is known only once its data is loaded, and the gateway checks that when it expands the
 * profile, refusing (and keeping the last good profile) otherwise.
 */
import { IpgateError } from '../errors.js';
import { validateProfile, type ProfileCheck, type ReferenceCheck, type ReferenceProblem } from '../policy/validate.js';
import { closeMatches, didYouMean } from '../text/suggest.js';
import { parseKubeSelector } from './kube-select.js';
import { AZURE_SOURCE_FIX, parseReference } from './reference.js';
import { referenceFieldProblem } from './reference-field.js';
import type { SourceType } from './types.js';

export interface SourceIdentity {
  readonly name: string;
  readonly type: SourceType;
}

function tagProblem(entry: string, sources: readonly SourceIdentity[]): ReferenceProblem {
  const which = sources.length === 0 ? 'this gateway has no range sources' : `none of its range sources (${sources.map((s) => s.name).join(', ')}) is of type azure-service-tags`;
  return {
    code: 'ERR_SERVICE_TAG_NO_SOURCE',
    message: `${entry} looks like an Azure service tag, not an IP address or range; ${which}, so it cannot be resolved to addresses`,
    suggestion: AZURE_SOURCE_FIX,
  };
}

export function referenceCheck(sources: readonly SourceIdentity[]): ReferenceCheck {
  return (entry, field) => {
    const ref = parseReference(entry);
    if (ref === undefined) return undefined;
    if (ref.kind === 'tag') {
      if (!sources.some((s) => s.type === 'azure-service-tags')) return [tagProblem(entry, sources)];
      const placed = referenceFieldProblem(field, entry, 'tag');
      return placed === undefined ? [] : [placed];
    }
    const source = sources.find((s) => s.name === ref.source);
    if (source !== undefined) {
      const placed = referenceFieldProblem(field, entry, source.type);
      if (placed !== undefined) return [placed];
      if (source.type === 'kubernetes') {
        try {
          parseKubeSelector(source.name, ref.selector);
        } catch (error) {
          if (!(error instanceof IpgateError)) throw error;
          return [{ code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) }];
        }
      }
      return [];
    }
    const names = sources.map((s) => s.name);
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
