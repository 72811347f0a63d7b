/**
 * Validation of an access profile against a target: `ipgate` (IPv4 and IPv6, any number of entries, private
 * ranges allowed) or `aks` (exactly what AKS accepts). Every problem is reported at once; each rule is a
 * small function below. Duplicate entries are warnings: they change nothing about who may connect, but they
 * still count against AKS's 200-entry limit and usually mean a list was pasted twice.
 */
import { IpgateError, type ErrorCode } from '../errors.js';
import { isWarning } from '../errors/catalogue.js';
import { parseRange } from '../cidr/parse.js';
import { parseIpv4RangeFast } from '../cidr/fast-ipv4.js';
import { updateKeys } from '../cidr/intervals-v4.js';
import { formatRange } from '../cidr/format.js';
import type { Range } from '../cidr/types.js';
import { EGRESS_ONLY, type Profile, type ProfileField } from './profile.js';
import { looksLikeServiceTag } from './service-tag.js';
import { specialBlockOf } from './special-ranges.js';

export type ValidationTarget = 'ipgate' | 'aks';

export type { ProfileField };

export interface ProfileProblem {
  readonly code: ErrorCode;
  /** `error` makes the profile invalid; `warning` (a WARN_ code) does not. */
  readonly severity: 'error' | 'warning';
  /** Which list the entry is in, and its index there; absent for problems of the whole profile. */
  readonly field?: ProfileField;
  readonly index?: number;
  readonly entry?: string;
  readonly message: string;
  readonly suggestion?: string;
}

export interface ValidationResult {
  /** True when there is no error-level problem (warnings allowed). */
  readonly valid: boolean;
  readonly problems: ProfileProblem[];
}

export interface ValidateOptions {
  readonly target?: ValidationTarget;
  /** AKS: whether the cluster uses API server VNet integration (a service tag is then refused). */
  readonly vnetIntegration?: boolean;
  /**
   * References into range sources (`azure:AzureCloud.westeurope`, `github:actions`): called for an entry
   * that is not a range; undefined means "not a reference" (the entry is judged as usual), otherwise the
   * problems with the reference (none: a valid reference).
   */
  readonly reference?: ReferenceCheck;
}

/** The problems with a reference entry, or undefined when the entry is not a reference. */
export type ReferenceCheck = (entry: string, field: ProfileField) => readonly ReferenceProblem[] | undefined;

export interface ReferenceProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly suggestion?: string;
}

/** Validates a whole profile (stores and the gateway take one to accept what their deployment can resolve). */
export type ProfileCheck = (profile: Profile) => ValidationResult;

/** Most entries AKS accepts in authorizedIpRanges. */
export const AKS_MAX_ENTRIES = 200;

/** One entry after parsing: a range, a service tag name, or nothing usable (a problem was reported). */
export type ParsedEntry =
  | { readonly kind: 'range'; readonly index: number; readonly entry: string; readonly range: Range }
  | { readonly kind: 'tag'; readonly index: number; readonly entry: string }
  | { readonly kind: 'reference'; readonly index: number; readonly entry: string }
  | { readonly kind: 'invalid'; readonly index: number; readonly entry: string };

interface Located {
  readonly field: ProfileField;
  readonly index: number;
  readonly entry: string;
}

function problem(code: ErrorCode, at: Located | undefined, message: string, suggestion?: string): ProfileProblem {
  return {
    code,
    severity: isWarning(code) ? 'warning' : 'error',
    ...(at === undefined ? {} : { field: at.field, index: at.index, entry: at.entry }),
    message,
    ...(suggestion === undefined ? {} : { suggestion }),
  };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** True for the AKS sentinel 0.0.0.0/32 (also written as the bare address 0.0.0.0). */
export function isEgressOnlySentinel(range: Range): boolean {
  return range.family === 4 && range.network === 0n && range.prefix === 32;
}

/** Rule: every entry parses strictly as a range, or (in authorizedIpRanges) looks like a service tag. */
export function parseEntry(field: ProfileField, index: number, entry: string, problems: ProfileProblem[], reference?: ReferenceCheck): ParsedEntry {
  const quick = parseIpv4RangeFast(entry);
  if (quick !== undefined) return { kind: 'range', index, entry, range: quick };
  const at = { field, index, entry };
  try {
    return { kind: 'range', index, entry, range: parseRange(entry) };
  } catch (error) {
    const refProblems = typeof entry === 'string' ? reference?.(entry, field) : undefined;
    if (refProblems !== undefined) {
      for (const p of refProblems) problems.push(problem(p.code, at, p.message, p.suggestion));
      return { kind: 'reference', index, entry };
    }
    if (typeof entry === 'string' && looksLikeServiceTag(entry)) return { kind: 'tag', index, entry };
    if (error instanceof IpgateError) {
      problems.push(problem(error.code, at, error.message, error.suggestion));
    } else {
      problems.push(problem('ERR_RANGE_SYNTAX', at, `Cannot parse ${quote(String(entry))} as an IP range`));
    }
    return { kind: 'invalid', index, entry };
  }
}

/** Rule (ipgate): service tags are names ipgate cannot resolve; the ranges must be listed. */
export function ruleServiceTagUnsupported(at: Located): ProfileProblem {
  return problem('ERR_SERVICE_TAG_UNSUPPORTED', at,
    `${quote(at.entry)} looks like an Azure service tag, not an address or range; a list without range sources matches addresses and ranges only`,
    'on a gateway, configure an azure-service-tags range source (docs/sources.md) so the tag is resolved; or list the tag\'s ranges; or validate with --target aks');
}

/** Rule: the egress list holds addresses only: no service tag and no 0.0.0.0/32 sentinel. */
export function ruleEgressEntry(parsed: ParsedEntry): ProfileProblem | undefined {
  const at = { field: 'egressIpRanges' as const, index: parsed.index, entry: parsed.entry };
  if (parsed.kind === 'tag') {
    return problem('ERR_SERVICE_TAG_UNSUPPORTED', at, `${quote(parsed.entry)} looks like a service tag; egressIpRanges must list the cluster's outbound addresses`);
  }
  if (parsed.kind === 'range' && isEgressOnlySentinel(parsed.range)) {
    return problem('ERR_EGRESS_SENTINEL', at, `${quote(parsed.entry)} (the "only egress" sentinel) has no meaning in egressIpRanges`, 'list the cluster\'s outbound addresses');
  }
  return undefined;
}

/** Rule: 0.0.0.0/32 means "only the egress addresses" and cannot be combined with other entries. */
export function ruleEgressOnlyAlone(entries: readonly ParsedEntry[]): ProfileProblem[] {
  if (entries.length < 2) return [];
  return entries
    .filter((e) => e.kind === 'range' && isEgressOnlySentinel(e.range))
    .map((e) => problem('ERR_EGRESS_ONLY_COMBINED', { field: 'authorizedIpRanges', index: e.index, entry: e.entry },
      `${quote(e.entry)} allows only the cluster's egress addresses and cannot be combined with other entries (the list has ${entries.length})`,
      `remove ${EGRESS_ONLY} to allow the listed ranges (egress addresses stay allowed), or remove the other entries`));
}

/**
 * The identity of a parsed range, cheap to compute: a number for IPv4 (network * 64 + prefix, exact below
 * 2^53), a string for IPv6. Equal keys mean equal ranges.
 */
export function rangeKey(range: Range): number | string {
  return range.family === 4 ? Number(range.network) * 64 + range.prefix : `${range.network.toString(16)}/${range.prefix}`;
}

/** The rangeKey of every IPv4 range among entries[from, to), sorted. */
function ipv4KeysFrom(entries: readonly ParsedEntry[], from: number, to = entries.length): Float64Array {
  const keys = new Float64Array(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    const e = entries[i] as ParsedEntry;
    if (e.kind === 'range' && e.range.family === 4) keys[n++] = rangeKey(e.range) as number;
  }
  return keys.subarray(0, n).sort();
}

/** Two sorted key arrays as one. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = (a[i] as number) <= (b[j] as number) ? (a[i++] as number) : (b[j++] as number);
  while (i < a.length) out[k++] = a[i++] as number;
  while (j < b.length) out[k++] = b[j++] as number;
  return out;
}

/** Where a list differs from an earlier version of it: outside `head` leading and `tail` trailing entries. */
export interface ListChange {
  readonly earlier: readonly ParsedEntry[];
  readonly keys: Float64Array;
  readonly head: number;
  readonly tail: number;
}

/**
 * The sorted rangeKeys of the IPv4 ranges of a list. From an earlier version of it (`change`), only the
 * entries between the common beginning and end count: the earlier keys of the entries taken out are removed
 * and those of the entries put in are merged (a PATCH of a large list sorts nothing again).
 */
export function sortedIpv4Keys(entries: readonly ParsedEntry[], change?: ListChange): Float64Array {
  if (change !== undefined) {
    const { earlier, keys, head, tail } = change;
    const removed = ipv4KeysFrom(earlier, head, earlier.length - tail);
    const added = ipv4KeysFrom(entries, head, entries.length - tail);
    if (removed.length === 0) return mergeSorted(keys, added);
    if (removed.length + added.length <= Math.max(64, entries.length / 8)) {
      const updated = updateKeys(keys, removed, added);
      if (updated !== undefined) return updated;
    }
  }
  return ipv4KeysFrom(entries, 0);
}

/** Whether some IPv4 range is listed twice, from the sorted keys (most lists have no repeat at all). */
function hasIpv4Repeat(sorted: Float64Array): boolean {
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true;
  return false;
}

/** Rule: the same range (after canonicalization) listed twice is a warning. */
export function ruleDuplicates(field: ProfileField, entries: readonly ParsedEntry[], ipv4Keys: Float64Array = sortedIpv4Keys(entries)): ProfileProblem[] {
  // Ranges and names (tags, references) are kept apart: a name never parses, so it never equals a range.
  const seenRanges = new Map<number | string, ParsedEntry>();
  const seenNames = new Map<string, ParsedEntry>();
  const out: ProfileProblem[] = [];
  const ipv4Repeats = hasIpv4Repeat(ipv4Keys);
  for (const e of entries) {
    if (e.kind === 'invalid' || (!ipv4Repeats && e.kind === 'range' && e.range.family === 4)) continue;
    const seen: Map<number | string, ParsedEntry> = e.kind === 'range' ? seenRanges : seenNames;
    const key = e.kind === 'range' ? rangeKey(e.range) : e.entry.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, e);
      continue;
    }
    out.push(problem('WARN_DUPLICATE_ENTRY', { field, index: e.index, entry: e.entry },
      `${quote(e.entry)} repeats ${quote(first.entry)} (entry ${first.index + 1})`, 'remove the repeated entry'));
  }
  return out;
}

/** Rule (aks): IPv4 only. IPv4 written in IPv6 form (::ffff:a.b.c.d) is refused with its IPv4 spelling. */
export function ruleAksIpv4Only(at: Located, range: Range): ProfileProblem | undefined {
  if (range.family === 6) {
    return problem('ERR_AKS_IPV6', at, `${quote(at.entry)} is an IPv6 range; AKS accepts IPv4 ranges only`,
      'use --target ipgate (ipgate accepts IPv6)');
  }
  if (at.entry.includes(':')) {
    return problem('ERR_AKS_IPV6', at, `${quote(at.entry)} is written as an IPv6 (IPv4-mapped) range; AKS accepts IPv4 notation only`, formatRange(range));
  }
  return undefined;
}

/** Rule (aks): global addresses only; private, reserved and special-purpose blocks are refused. */
export function ruleAksGlobalOnly(at: Located, range: Range): ProfileProblem | undefined {
  if (isEgressOnlySentinel(range)) return undefined;
  const block = specialBlockOf(range);
  if (block === undefined) return undefined;
  return problem('ERR_AKS_NOT_GLOBAL', at,
    `${quote(at.entry)} is not a global address range: it lies in ${block.cidr}, ${block.name}; AKS accepts public ranges only`,
    'list the public address these clients connect from (their NAT or egress address), or use --target ipgate');
}

/** Rule (aks): at most 200 entries. */
export function ruleAksCount(count: number): ProfileProblem | undefined {
  if (count <= AKS_MAX_ENTRIES) return undefined;
  return problem('ERR_AKS_TOO_MANY', undefined,
    `the list has ${count} entries; AKS accepts at most ${AKS_MAX_ENTRIES}`,
    `ipgate condense --max ${AKS_MAX_ENTRIES} (the optimal cover in ${AKS_MAX_ENTRIES} prefixes), or use --target ipgate`);
}

/** Rule (aks): 0.0.0.0/0 allows every address, so combining it with other entries is refused. */
export function ruleAksAllowAllAlone(entries: readonly ParsedEntry[]): ProfileProblem[] {
  if (entries.length < 2) return [];
  return entries
    .filter((e) => e.kind === 'range' && e.range.family === 4 && e.range.prefix === 0)
    .map((e) => problem('ERR_AKS_ALLOW_ALL_COMBINED', { field: 'authorizedIpRanges', index: e.index, entry: e.entry },
      `${quote(e.entry)} allows every IPv4 address and cannot be combined with other entries`,
      'remove 0.0.0.0/0 to restrict access, or leave the list empty to disable authorized IP ranges'));
}

/** Rule (aks): at most one service tag, and none together with API server VNet integration. */
export function ruleAksServiceTags(entries: readonly ParsedEntry[], vnetIntegration: boolean): ProfileProblem[] {
  const tags = entries.filter((e) => e.kind === 'tag');
  const out: ProfileProblem[] = [];
  const first = tags[0];
  for (const tag of tags) {
    const at = { field: 'authorizedIpRanges' as const, index: tag.index, entry: tag.entry };
    if (vnetIntegration) {
      out.push(problem('ERR_AKS_SERVICE_TAG_VNET', at,
        `service tag ${quote(tag.entry)} cannot be used on a cluster with API server VNet integration`,
        'list the ranges of the tag as CIDRs instead'));
    } else if (first !== undefined && tag !== first) {
      out.push(problem('ERR_AKS_SERVICE_TAGS', at,
        `${quote(tag.entry)} is a second service tag (${quote(first.entry)} is entry ${first.index + 1}); AKS allows at most one`,
        'keep one service tag and list the ranges of the others as CIDRs'));
    }
  }
  return out;
}

/** Rule: both fields are arrays (a profile may come from JSON or YAML written by hand). */
export function ruleListShape(profile: Profile): ProfileProblem[] {
  const fields: ProfileField[] = ['authorizedIpRanges', 'egressIpRanges'];
  const value = profile as unknown as Record<string, unknown> | null;
  return fields
    .filter((field) => value === null || typeof value !== 'object' || !Array.isArray(value[field]))
    .map((field) => problem('ERR_PROFILE_FIELD', undefined, `${field} must be a list of ranges (use [] for none)`, `${field}: []`));
}

function orderProblems(a: ProfileProblem, b: ProfileProblem): number {
  const fa = a.field === undefined ? 2 : a.field === 'authorizedIpRanges' ? 0 : 1;
  const fb = b.field === undefined ? 2 : b.field === 'authorizedIpRanges' ? 0 : 1;
  if (fa !== fb) return fa - fb;
  return (a.index ?? -1) - (b.index ?? -1);
}

/** A validated profile: the result, and every entry of both lists parsed once (reused by compileProfile). */
export interface ProfileAnalysis {
  readonly result: ValidationResult;
  /** One per list entry, in list order (both empty when the lists are not arrays). */
  readonly authorized: readonly ParsedEntry[];
  readonly egress: readonly ParsedEntry[];
  /** The sorted rangeKeys of each list's IPv4 ranges (see sortedIpv4Keys), for judging the next version of the lists. */
  readonly ipv4Keys?: { readonly authorized: Float64Array; readonly egress: Float64Array };
}

/** Validates a profile and reports every problem at once (errors and warnings), in list order. */
export function validateProfile(profile: Profile, options: ValidateOptions = {}): ValidationResult {
  return analyzeProfile(profile, options).result;
}

/**
 * validateProfile, also giving the parsed entries, so a caller that goes on to compile parses nothing twice.
 * `earlier`, an analysis of an earlier version of the lists (with the same options), lets the entries it
 * parsed as ranges be taken from it instead of parsed again: a change of one entry in a large list parses
 * that entry.
 */
export function analyzeProfile(profile: Profile, options: ValidateOptions = {}, earlier?: ProfileAnalysis): ProfileAnalysis {
  const target = options.target ?? 'ipgate';
  if (target !== 'ipgate' && target !== 'aks') {
    throw new IpgateError('ERR_TARGET', `Unknown validation target ${quote(String(target))}; expected ipgate or aks`, { input: String(target) });
  }
  const shape = ruleListShape(profile);
  if (shape.length > 0) return { result: { valid: false, problems: shape }, authorized: [], egress: [] };
  return analyzeUncached(profile, target, options, earlier);
}

function pushAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

/** Whether an earlier parsed entry stands for this text as it is (a range: parsing depends on the text alone). */
function reusable(before: ParsedEntry | undefined, entry: string): before is ParsedEntry {
  return before !== undefined && before.kind === 'range' && before.entry === entry;
}

/**
 * Parses a list, taking the entries of `earlier` (an earlier version of the list) where they are the same
 * text parsed as a range: those of the common beginning and end (the end's with their new index) and any
 * other at the same index. Also returns how long the common beginning and end are.
 */
function parseList(field: ProfileField, list: readonly string[], problems: ProfileProblem[], reference: ReferenceCheck | undefined, earlier: readonly ParsedEntry[] | undefined): { parsed: ParsedEntry[]; head: number; tail: number } {
  const parsed: ParsedEntry[] = new Array<ParsedEntry>(list.length);
  const before = earlier ?? [];
  const n = list.length;
  const m = before.length;
  const shorter = Math.min(n, m);
  let head = 0;
  while (head < shorter && reusable(before[head], list[head] as string)) {
    parsed[head] = before[head] as ParsedEntry;
    head++;
  }
  let tail = 0;
  while (tail < shorter - head && reusable(before[m - 1 - tail], list[n - 1 - tail] as string)) {
    const e = before[m - 1 - tail] as ParsedEntry;
    parsed[n - 1 - tail] = e.index === n - 1 - tail ? e : { ...e, index: n - 1 - tail };
    tail++;
  }
  for (let i = head; i < n - tail; i++) {
    const entry = list[i] as string;
    const same = before[i];
    parsed[i] = reusable(same, entry) ? same : parseEntry(field, i, entry, problems, reference);
  }
  return { parsed, head, tail };
}

function analyzeUncached(profile: Profile, target: ValidationTarget, options: ValidateOptions, earlier?: ProfileAnalysis): ProfileAnalysis {
  const problems: ProfileProblem[] = [];
  const a = parseList('authorizedIpRanges', profile.authorizedIpRanges, problems, options.reference, earlier?.authorized);
  const e = parseList('egressIpRanges', profile.egressIpRanges, problems, options.reference, earlier?.egress);
  const authorized = a.parsed;
  const egress = e.parsed;
  const keys = earlier?.ipv4Keys;
  const ipv4Keys = {
    authorized: sortedIpv4Keys(authorized, keys === undefined ? undefined : { earlier: earlier?.authorized ?? [], keys: keys.authorized, head: a.head, tail: a.tail }),
    egress: sortedIpv4Keys(egress, keys === undefined ? undefined : { earlier: earlier?.egress ?? [], keys: keys.egress, head: e.head, tail: e.tail }),
  };

  for (const e of authorized) {
    if (e.kind === 'tag' && target === 'ipgate') problems.push(ruleServiceTagUnsupported({ field: 'authorizedIpRanges', index: e.index, entry: e.entry }));
    if (e.kind === 'range' && target === 'aks') {
      const at = { field: 'authorizedIpRanges' as const, index: e.index, entry: e.entry };
      const p = ruleAksIpv4Only(at, e.range) ?? ruleAksGlobalOnly(at, e.range);
      if (p !== undefined) problems.push(p);
    }
  }
  pushAll(problems, ruleEgressOnlyAlone(authorized));
  pushAll(problems, ruleDuplicates('authorizedIpRanges', authorized, ipv4Keys.authorized));
  if (target === 'aks') {
    pushAll(problems, ruleAksAllowAllAlone(authorized));
    pushAll(problems, ruleAksServiceTags(authorized, options.vnetIntegration === true));
    const count = ruleAksCount(authorized.length);
    if (count !== undefined) problems.push(count);
  }
  for (const e of egress) {
    const p = ruleEgressEntry(e);
    if (p !== undefined) problems.push(p);
  }
  pushAll(problems, ruleDuplicates('egressIpRanges', egress, ipv4Keys.egress));
  problems.sort(orderProblems);
  return { result: { valid: !problems.some((p) => p.severity === 'error'), problems }, authorized, egress, ipv4Keys };
}
