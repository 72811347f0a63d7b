/**
 * `GET /v1/export?target=aks|gke|eks|ipgate[&max=N]`: the profile in force, its references expanded, condensed
 * for a platform's entry limit, with the provider commands ready to copy. The same plan `ipgate export`
 * prints (sources/export-plan.ts), computed from what this instance enforces rather than from a config
 * file, so the dashboard and scripts see the list without the sources' files at hand.
 */
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import { expandProfile, type ExpandedProfile } from '../sources/expand.js';
import { EXPORT_TARGETS, planExport, type ExportTarget } from '../sources/export-plan.js';
import { exportJson, formatExport } from '../sources/export-format.js';
import { ApiError } from './api-error.js';

export const EXPORT_PARAMS = ['target', 'max'] as const;

function target(query: URLSearchParams): ExportTarget {
  const value = query.get('target');
  if (value === null || value === '') throw new ApiError('ERR_USAGE', `Give the platform as ?target=${EXPORT_TARGETS.join('|')}`);
  if (!(EXPORT_TARGETS as readonly string[]).includes(value)) {
    throw new ApiError('ERR_USAGE', `?target= must be one of ${EXPORT_TARGETS.join(', ')}, got "${value}"`);
  }
  return value as ExportTarget;
}

function max(query: URLSearchParams): number | undefined {
  const value = query.get('max');
  if (value === null) return undefined;
  if (!/^[1-9]\d{0,6}$/.test(value)) throw new ApiError('ERR_USAGE', `?max= must be a whole number of at least 1, got "${value}"`);
  return Number(value);
}

/**
 * The export of `profile`. `sources` resolves references (the running sources); without sources a profile
 * holds plain ranges only.
 */
export function exportAnswer(profile: Profile, query: URLSearchParams, sources?: { expand(profile: Profile): ExpandedProfile }): Record<string, unknown> {
  const options = { target: target(query), ...(max(query) === undefined ? {} : { max: max(query) as number }) };
  const expanded = sources?.expand(profile) ?? expandProfile(profile, []);
  try {
    const plan = planExport(expanded, options);
    return {
      ...(exportJson(plan) as Record<string, unknown>),
      commands: { az: formatExport(plan, 'az').trimEnd(), gcloud: formatExport(plan, 'gcloud').trimEnd(), aws: formatExport(plan, 'aws').trimEnd() },
    };
  } catch (error) {
    if (error instanceof IpgateError) {
      const entry = { entry: error.input ?? '', code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) };
      throw new ApiError(error.code, error.message, [entry]);
    }
    throw error;
  }
}
