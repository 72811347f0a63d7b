/**
 * The admin API's range-source part: `GET /v1/sources` (status of every source) and `POST /v1/sources/sync`
 * (sync now, answer with the change report), and how profile writes check and compile references.
 */
import type { CompiledProfile } from '../policy/decide.js';
import type { Profile } from '../policy/profile.js';
import type { ReferenceCheck } from '../policy/validate.js';
import type { ExpandedProfile } from '../sources/expand.js';
import { referenceCheck } from '../sources/profile-check.js';
import { parseReference } from '../sources/reference.js';
import { ApiError } from './api-error.js';

export interface AdminSources {
  /** Accepts references to the configured sources (their selectors are checked by `compile`). */
  readonly reference: ReferenceCheck;
  /** Expands and compiles a profile; throws ProfileInvalidError (with problems) when it cannot be enforced. */
  compile(profile: Profile): CompiledProfile;
  /** Expands a profile's references with the sources' current data (problems listed, nothing thrown). */
  expand(profile: Profile): ExpandedProfile;
  /** Whether a profile entry is a reference (compared as written in a PATCH, not as a range). */
  isReference(entry: string): boolean;
  /** The reference and source that admitted a matched prefix, when one did. */
  explainFields(matched: string | null | undefined): Record<string, string>;
  /** The sources' status; `withRanges`: each reference lists the prefixes it expands to now. */
  view(withRanges?: boolean): unknown;
  syncNow(): Promise<unknown>;
}

/** Without sources, a reference is refused with a message that says so. */
export const NO_SOURCES: ReferenceCheck = referenceCheck([]);

/**
 * Without sources, references (`<source>:<selector>`, a bare service tag such as `AzureDevOps`) still reach
 * validation, which refuses them and says what to configure (not "cannot parse as an IP address").
 */
export function isSourceReference(entry: string): boolean {
  return parseReference(entry) !== undefined;
}

export async function sourcesRoute(path: string, method: string, sources: AdminSources | undefined, withRanges = false): Promise<unknown> {
  const allow = (methods: string[]): void => {
    if (!methods.includes(method)) throw new ApiError('ERR_METHOD', `${method} is not supported on ${path} (use ${methods.join(', ')})`);
  };
  if (path === '/v1/sources') {
    allow(['GET']);
    return { sources: sources?.view(withRanges) ?? [] };
  }
  allow(['POST']);
  if (sources === undefined) return { reports: [], sources: [] };
  return sources.syncNow();
}
