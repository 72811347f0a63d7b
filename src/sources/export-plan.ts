/**
 * Export rules per target, pure. From an expanded profile to the list a platform accepts:
 * - aks: IPv4 only (IPv6 prefixes from sources are dropped with a warning; an IPv6 entry written in the
 *   profile is an error), global addresses only (special-purpose blocks are never covered, and a required
 *   range inside one is an error), at most 200 entries. The egress ranges are left out: AKS always allows the
 *   cluster's own egress IPs. A profile of just `0.0.0.0/32` (egress only) is exported as `0.0.0.0/32`.
 * - gke (50), eks (40): IPv4 only as above; the egress ranges are included, because these platforms do
 *   not add the cluster's outbound addresses on their own.
 * - ipgate: both families, egress included, no limit (a lossless merge) unless `max` is given.
 * Then `condense`: every required address covered, no excluded address covered, fewest extra addresses.
 * AKS takes one Azure service tag in the list: a profile with exactly one (`AzureCloud`, or
 * `azure:AzureCloud.westeurope` naming a tag) exports it as the tag, one entry, unless `expandTags`; AKS
 * refuses tags with API server VNet integration, so `vnetIntegration` with a tag to pass is an error that
 * says to expand it. Several tags are always expanded (AKS allows one).
 */
import { IpgateError } from '../errors.js';
import { condense, extraShare } from '../cidr/condense.js';
import { mergeRanges } from '../cidr/merge.js';
import { rangeLast, type Range } from '../cidr/types.js';
import { SPECIAL_IPV4_BLOCKS } from '../policy/special-ranges.js';
import type { ExpandedProfile, ExpandedRange } from './expand.js';

export const EXPORT_TARGETS = ['aks', 'gke', 'eks', 'ipgate'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export const TARGET_LIMITS: Readonly<Record<ExportTarget, number | undefined>> = { aks: 200, gke: 50, eks: 40, ipgate: undefined };

export interface ExportOptions {
  readonly target: ExportTarget;
  readonly max?: number;
  readonly exclude?: readonly Range[];
  /** aks: export service tags as their prefixes, never as the tag. */
  readonly expandTags?: boolean;
  /** aks: the cluster uses API server VNet integration (AKS refuses service tags then). */
  readonly vnetIntegration?: boolean;
}

export interface ExportPlan {
  readonly target: ExportTarget;
  readonly ranges: Range[];
  /** The entry limit applied (undefined: none). */
  readonly limit: number | undefined;
  /** The merged prefixes that had to be covered. */
  readonly required: Range[];
  readonly requiredAddresses: bigint;
  readonly extraAddresses: bigint;
  readonly extraShare: number;
  readonly egressIncluded: boolean;
  readonly warnings: string[];
  /** aks: the one service tag exported as a tag (an entry of its own, before the ranges). */
  readonly serviceTag?: string;
}

function overlaps(a: Range, b: Range): boolean {
  return a.family === b.family && a.network <= rangeLast(b) && b.network <= rangeLast(a);
}

/** The authorized entries that are Azure service tags (bare, or a reference naming a tag), with the tag's name. */
export function serviceTagEntries(expanded: ExpandedProfile): Array<{ entry: string; tag: string }> {
  const out = new Map<string, string>();
  for (const r of expanded.references) {
    if (r.field === 'authorizedIpRanges' && r.type === 'azure-service-tags' && r.selector !== '' && !r.selector.includes('=')) out.set(r.entry, r.selector);
  }
  return [...out].map(([entry, tag]) => ({ entry, tag }));
}

/** The service tag to pass through to AKS as a tag, or undefined (none, several, or asked to expand). */
function passedTag(expanded: ExpandedProfile, options: ExportOptions, warnings: string[]): { entry: string; tag: string } | undefined {
  if (options.target !== 'aks') return undefined;
  const tags = serviceTagEntries(expanded);
  const only = tags[0];
  if (only === undefined) return undefined;
  if (tags.length > 1) {
    warnings.push(`AKS accepts one service tag; the ${tags.length} tags (${tags.map((t) => t.entry).join(', ')}) are exported as their prefixes`);
    return undefined;
  }
  if (options.expandTags === true) return undefined;
  if (options.vnetIntegration === true) {
    throw new IpgateError('ERR_AKS_SERVICE_TAG_VNET', `${only.entry} is a service tag, and AKS refuses service tags on a cluster with API server VNet integration`, {
      input: only.entry, suggestion: 'export its prefixes instead: add --expand-tags',
    });
  }
  return only;
}

function isEgressOnly(list: readonly ExpandedRange[]): boolean {
  return list.length > 0 && list.every((r) => r.source === undefined && r.range.family === 4 && r.range.network === 0n && r.range.prefix === 32);
}

export function planExport(expanded: ExpandedProfile, options: ExportOptions): ExportPlan {
  const { target } = options;
  const warnings: string[] = [];
  const errors = expanded.problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first !== undefined) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    throw new IpgateError(first.code, `${first.message}${more}`, { input: first.entry ?? '', ...(first.suggestion === undefined ? {} : { suggestion: first.suggestion }) });
  }
  if (expanded.authorized.length === 0) {
    throw new IpgateError('ERR_EXPORT_DISABLED', 'The profile has no authorized ranges, which means everyone may connect; there is no list to export',
      { input: 'authorizedIpRanges', suggestion: 'list the ranges (or references) that may connect under profile.authorizedIpRanges' });
  }
  if (options.max !== undefined && (!Number.isInteger(options.max) || options.max < 1)) {
    throw new IpgateError('ERR_USAGE', `--max must be a whole number of at least 1, got ${String(options.max)}`, { input: String(options.max) });
  }
  const targetLimit = TARGET_LIMITS[target];
  if (options.max !== undefined && targetLimit !== undefined && options.max > targetLimit) {
    warnings.push(`--max ${options.max} is above the ${target} limit of ${targetLimit} entries; the platform may refuse the list`);
  }
  const limit = options.max ?? targetLimit;
  const egressOnly = isEgressOnly(expanded.authorized);
  if (egressOnly && target === 'aks') {
    const r: Range = { family: 4, network: 0n, prefix: 32 };
    return { target, ranges: [r], limit, required: [r], requiredAddresses: 1n, extraAddresses: 0n, extraShare: 0, egressIncluded: false,
      warnings: ['0.0.0.0/32 (egress only) is exported as is: AKS then allows only the cluster\'s egress IPs'] };
  }
  const egressIncluded = target !== 'aks';
  const tag = passedTag(expanded, options, warnings);
  let candidates = egressOnly ? [] : expanded.authorized.filter((r) => r.from !== tag?.entry);
  const rangeLimit = tag === undefined || limit === undefined ? limit : limit - 1;
  if (rangeLimit === 0 && candidates.length > 0) {
    throw new IpgateError('ERR_CONDENSE_BUDGET', `A limit of ${limit ?? 0} leaves no entry for the ranges beside the service tag ${tag?.tag ?? ''}`, {
      input: String(limit), suggestion: 'raise --max, or export the tag as its prefixes with --expand-tags',
    });
  }
  if (egressIncluded) candidates.push(...expanded.egress);
  else if (expanded.egress.length > 0) warnings.push(`${expanded.egress.length} egress range(s) left out: AKS always allows the cluster's egress IPs`);

  if (target !== 'ipgate') {
    const dropped = new Map<string, number>();
    for (const r of candidates) {
      if (r.range.family !== 6) continue;
      if (r.source === undefined) {
        throw new IpgateError('ERR_EXPORT_IPV6', `${r.from} is an IPv6 range; ${target} accepts IPv4 ranges only`,
          { input: r.from, suggestion: `remove ${r.from} from the profile, or export with --target ipgate` });
      }
      dropped.set(r.from, (dropped.get(r.from) ?? 0) + 1);
    }
    for (const [from, n] of dropped) warnings.push(`dropped ${n} IPv6 prefix${n === 1 ? '' : 'es'} of ${from}: ${target} accepts IPv4 only`);
    candidates = candidates.filter((r) => r.range.family === 4);
  }
  const exclude = [...(options.exclude ?? [])];
  if (target === 'aks') {
    for (const r of candidates) {
      const block = SPECIAL_IPV4_BLOCKS.find((b) => overlaps(b.range, r.range));
      if (block !== undefined) {
        throw new IpgateError('ERR_EXPORT_NOT_GLOBAL', `${r.from} (${r.cidr}) overlaps ${block.cidr}, ${block.name}; AKS accepts global addresses only`,
          { input: r.from, suggestion: 'remove non-global ranges from the profile (traffic from private networks reaches the API server through VNet integration or a private cluster)' });
      }
    }
    exclude.push(...SPECIAL_IPV4_BLOCKS.map((b) => b.range));
  }
  if (candidates.length === 0 && tag !== undefined) {
    return { target, ranges: [], limit, required: [], requiredAddresses: 0n, extraAddresses: 0n, extraShare: 0, egressIncluded, warnings, serviceTag: tag.tag };
  }
  if (candidates.length === 0) {
    throw new IpgateError('ERR_EXPORT_EMPTY', `Nothing to export for ${target}: no range is left after its rules`, {
      input: target, suggestion: target === 'ipgate' ? 'add ranges to the profile' : 'add IPv4 ranges, or export with --target ipgate',
    });
  }
  const ranges = candidates.map((r) => r.range);
  const required = mergeRanges(ranges);
  const result = condense(ranges, { max: rangeLimit ?? Math.max(1, required.length), exclude });
  return {
    target, ranges: result.ranges, limit, required, requiredAddresses: result.requiredAddresses, extraAddresses: result.extraAddresses,
    extraShare: extraShare(result), egressIncluded, warnings, ...(tag === undefined ? {} : { serviceTag: tag.tag }),
  };
}

export function describePlan(plan: ExportPlan): string {
  const pct = (plan.extraShare * 100).toFixed(plan.extraShare < 0.0001 && plan.extraShare > 0 ? 6 : 2);
  const limit = plan.limit === undefined ? 'no limit' : `limit ${plan.limit}`;
  const tag = plan.serviceTag === undefined ? '' : `service tag ${plan.serviceTag} (passed as a tag) and `;
  return `${tag}${plan.ranges.length} prefixes for ${plan.target} (${limit}) from ${plan.required.length} merged required prefixes; `
    + `required ${plan.requiredAddresses} addresses, extra ${plan.extraAddresses} (${pct}%)`;
}
