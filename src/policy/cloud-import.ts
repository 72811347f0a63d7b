/**
 * From a managed cluster's own description to an ipgate profile, pure: the JSON of `az aks show`,
 * `gcloud container clusters describe --format json` or `aws eks describe-cluster`. Each provider's reader
 * (cloud-import-aks.ts, -gke.ts, -eks.ts) says which list it found and what does not carry over (warnings:
 * addresses the cloud adds by itself, private endpoints, provider-only switches). A cluster whose API server
 * has no public endpoint has nothing to import (ERR_IMPORT_NO_PUBLIC_ENDPOINT: ranges do not apply there),
 * except GKE, whose authorized networks also govern its private endpoint.
 */
import { IpgateError } from '../errors.js';
import { parseRange } from '../cidr/parse.js';
import type { Profile } from './profile.js';
import { validateProfile } from './validate.js';

export const CLOUD_PROVIDERS = ['aks', 'gke', 'eks'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

/** An entry and, where the cloud names it (GKE's displayName), its note. */
export interface ImportedEntry {
  readonly range: string;
  readonly note?: string;
}

export interface ImportedProfile {
  readonly provider: CloudProvider;
  /** The cluster's name as the cloud gives it. */
  readonly cluster: string;
  /** What the cloud enforces: a list, or nothing (everyone may connect to the public endpoint). */
  readonly state: 'ranges' | 'disabled';
  readonly authorizedIpRanges: readonly ImportedEntry[];
  readonly egressIpRanges: readonly ImportedEntry[];
  /** What does not carry over, or needs doing by hand. */
  readonly warnings: readonly string[];
}

/** The command a provider's JSON comes from, for messages. */
export const SOURCE_COMMAND: Readonly<Record<CloudProvider, string>> = {
  aks: 'az aks show --resource-group RG --name CLUSTER',
  gke: 'gcloud container clusters describe CLUSTER --location LOCATION --format json',
  eks: 'aws eks describe-cluster --name CLUSTER',
};

export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** ERR_IMPORT_SHAPE: the document is not what the command prints. */
export function shapeError(provider: CloudProvider, source: string, problem: string): IpgateError {
  return new IpgateError('ERR_IMPORT_SHAPE', `${source} is not the JSON of ${SOURCE_COMMAND[provider]}: ${problem}`, {
    input: source, suggestion: `save it with ${SOURCE_COMMAND[provider]}${provider === 'aks' ? ' --output json' : provider === 'eks' ? ' --output json' : ''} > cluster.json`,
  });
}

/** ERR_IMPORT_NO_PUBLIC_ENDPOINT: authorized ranges do not apply to a cluster without a public endpoint. */
export function noPublicEndpoint(cluster: string, source: string, why: string, instead: string): IpgateError {
  return new IpgateError('ERR_IMPORT_NO_PUBLIC_ENDPOINT',
    `${cluster} (${source}) has no public endpoint (${why}): authorized IP ranges do not apply, so there is no list to import`, {
      input: source, suggestion: instead,
    });
}

/** The strings of a JSON list (null and a missing key are an empty list); anything else is a shape error. */
export function stringList(value: unknown, where: string, fail: (problem: string) => IpgateError): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw fail(`${where} is not a list of strings`);
  return value;
}

/** The profile of an import, as the store keeps it (notes left out). */
export function profileOf(imported: ImportedProfile): Profile {
  return { authorizedIpRanges: imported.authorizedIpRanges.map((e) => e.range), egressIpRanges: imported.egressIpRanges.map((e) => e.range) };
}

/**
 * Checks the imported entries with ipgate's rules (a service tag allowed: the gateway resolves it with an
 * azure-service-tags source); throws ERR_IMPORT_INVALID naming every entry ipgate cannot take, with its fix.
 */
export function checkImported(imported: ImportedProfile, source: string): ImportedProfile {
  const result = validateProfile(profileOf(imported), { target: 'ipgate', reference: (entry) => {
    try {
      parseRange(entry);
      return undefined;
    } catch {
      return /^[A-Z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?$/.test(entry) ? [] : undefined;
    }
  } });
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const lines = errors.map((p) => `\n  ${p.field ?? 'profile'}${p.index === undefined ? '' : `[${p.index}]`}: ${p.message} [${p.code}]${p.suggestion === undefined ? '' : ` (suggestion: ${p.suggestion})`}`);
    throw new IpgateError('ERR_IMPORT_INVALID', `${source}: ${errors.length} entr${errors.length === 1 ? 'y' : 'ies'} of ${imported.cluster} ipgate cannot take${lines.join('')}`, {
      input: source, ...(errors[0]?.suggestion === undefined ? {} : { suggestion: errors[0].suggestion }),
    });
  }
  return imported;
}
