/**
 * Findings about the access profile itself: entries that admit no client (and why they never could),
 * entries that admit a client meant to stay out (`expect: blocked`), entries in private ranges (never the
 * source of a connection to a public endpoint), and the entry count against a provider's limit, with the
 * optimal condensed list (never covering a client meant to stay out) when the proposed list is over it. A
 * private cluster gets no proposed list: authorized ranges do not apply to it.
 */
import { condense } from '../cidr/condense.js';
import { IpgateError } from '../errors.js';
import { formatRange } from '../cidr/format.js';
import { mergeRanges } from '../cidr/merge.js';
import { parseAddress, parseRange } from '../cidr/parse.js';
import { containsAddress, type Range } from '../cidr/types.js';
import { isEgressOnlySentinel } from '../policy/validate.js';
import { coverage, rangeContains, rangesOverlap } from './coverage.js';
import type { ClientAnalysis } from './plan-client.js';
import { nonPublicBlock } from './private-ranges.js';
import type { AllowedSet } from './public-path.js';
import type { Topology } from './topology.js';

export type Target = 'aks' | 'gke' | 'eks';

/** Most entries each provider accepts: AKS authorized IP ranges, GKE authorized networks, EKS public access CIDRs. */
export const TARGET_LIMITS: Readonly<Record<Target, number>> = { aks: 200, gke: 50, eks: 40 };

export interface EntryFinding {
  readonly index: number;
  readonly entry: string;
  readonly message: string;
}

export interface CondensedList {
  readonly ranges: string[];
  /** Addresses admitted beyond the proposed list. */
  readonly extraAddresses: string;
  readonly requiredAddresses: string;
}

export interface ProfileFindings {
  readonly state: AllowedSet['state'];
  readonly entries: number;
  readonly target: Target;
  readonly limit: number;
  readonly notes: string[];
  /** Entries that admit no client of the topology and are not the cluster's egress. */
  readonly unused: EntryFinding[];
  /** Entries that admit a client meant to stay out (`expect: blocked`). */
  readonly admitsBlocked: EntryFinding[];
  /** Entries inside private or special-purpose ranges. */
  readonly private: EntryFinding[];
  /**
   * The list that admits every client meant to get in on the public endpoint and none meant to stay out
   * (kept entries, narrowed where they admit one, plus additions, merged). `applies: false`: the cluster is
   * private, ranges do not apply (no list is proposed).
   */
  readonly proposed: { readonly ranges: string[]; readonly count: number; readonly changed: boolean; readonly applies: boolean };
  /** Present when the proposed list is over the limit: the optimal list within it. */
  readonly condensed?: CondensedList;
}

/** Rule: what an entry is in the topology, when it is an address space that never reaches the public endpoint. */
export function topologyRole(topology: Topology, range: Range): string | undefined {
  for (const net of topology.networks) {
    for (const cidr of net.cidrs) {
      if (rangesOverlap(parseRange(cidr), range)) {
        return `it is in the private address space of network ${net.name}; machines there reach the public endpoint from the network's egress addresses, and the internal VIP needs no entry`;
      }
    }
    const gw = net.vpnGateway;
    if (gw === undefined) continue;
    if (gw.p2sClientPool !== undefined && rangesOverlap(parseRange(gw.p2sClientPool), range)) {
      return `it is the point-to-site client pool of the VPN gateway in ${net.name}; VPN clients have these addresses only inside the tunnel`;
    }
    for (const p of gw.s2sPrefixes ?? []) {
      if (rangesOverlap(parseRange(p), range)) return `it is an on-premises network behind the VPN gateway in ${net.name}; those addresses exist only inside the tunnel`;
    }
    if (containsAddress(range, parseAddress(gw.publicIp)) && range.prefix >= (range.family === 4 ? 24 : 64)) {
      return `it holds the public IP of the VPN gateway in ${net.name}; VPN clients do not reach the internet through the gateway's public IP`;
    }
  }
  return undefined;
}

export interface FindingsInput {
  readonly topology: Topology;
  readonly allowed: AllowedSet;
  readonly analyses: readonly ClientAnalysis[];
  readonly target: Target;
}

/** Public-endpoint sources of the clients meant to get in, and of those meant to stay out. */
function publicRanges(analyses: readonly ClientAnalysis[], expect: 'reachable' | 'blocked'): Range[] {
  return analyses.filter((a) => a.plan.path === 'public' && a.plan.expect === expect).flatMap((a) => a.publicRanges);
}

function unresolvedNames(analyses: readonly ClientAnalysis[]): string[] {
  return [...new Set(analyses.flatMap((a) => a.unresolved.map((r) => r.reference.text)))];
}

/** Rule: entries that admit no public-endpoint client meant to get in, admit no one meant to stay out, and are not the cluster's egress. */
export function unusedEntries(input: FindingsInput): EntryFinding[] {
  const { topology, allowed, analyses } = input;
  if (allowed.state !== 'ranges' || !topology.cluster.apiServer.publicEndpoint) return [];
  const sources = publicRanges(analyses, 'reachable');
  const outsiders = publicRanges(analyses, 'blocked');
  const unresolved = unresolvedNames(analyses);
  const out: EntryFinding[] = [];
  topology.cluster.authorizedIpRanges.forEach((entry, index) => {
    const range = parseRange(entry);
    if (sources.some((s) => rangesOverlap(s, range)) || outsiders.some((s) => rangesOverlap(s, range))) return;
    if (coverage(range, allowed.egress).missing.length === 0) return; // only egress addresses: harmless
    const role = topologyRole(topology, range);
    const caveat = role === undefined && unresolved.length > 0 ? ` (unless it belongs to ${unresolved.join(', ')}, which could not be resolved)` : '';
    out.push({ index, entry, message: `${entry} admits no client in this topology${role === undefined ? caveat : `: ${role}`}` });
  });
  return out;
}

/** Rule: entries that admit (part of) a client meant to stay out. */
export function entriesAdmittingBlocked(input: FindingsInput): EntryFinding[] {
  const { topology, allowed, analyses } = input;
  if (allowed.state !== 'ranges' || !topology.cluster.apiServer.publicEndpoint) return [];
  const out: EntryFinding[] = [];
  topology.cluster.authorizedIpRanges.forEach((entry, index) => {
    const range = parseRange(entry);
    if (isEgressOnlySentinel(range)) return;
    const who = analyses.filter((a) => a.plan.expect === 'blocked' && a.plan.path === 'public' && a.publicRanges.some((r) => rangesOverlap(r, range))).map((a) => a.plan.name);
    if (who.length > 0) out.push({ index, entry, message: `${entry} admits ${who.join(', ')}, meant to stay out (expect: blocked)` });
  });
  return out;
}

/** Rule: entries inside private or special-purpose blocks. */
export function privateEntries(topology: Topology): EntryFinding[] {
  const out: EntryFinding[] = [];
  if (!topology.cluster.apiServer.publicEndpoint) return out;
  topology.cluster.authorizedIpRanges.forEach((entry, index) => {
    const range = parseRange(entry);
    if (isEgressOnlySentinel(range)) return;
    const block = nonPublicBlock(range);
    if (block !== undefined) out.push({ index, entry, message: `${entry} is a non-public range (${block}): no connection to a public endpoint comes from it` });
  });
  return out;
}

/**
 * An entry that admits a client meant to stay out, narrowed to what the clients meant to get in need inside
 * it (their ranges it contains); an entry such a client needs whole stays (the conflict is reported).
 */
function narrowed(entry: Range, wanted: readonly Range[], outsiders: readonly Range[]): Range[] {
  if (!outsiders.some((o) => rangesOverlap(o, entry))) return [entry];
  if (wanted.some((w) => rangeContains(w, entry))) return [entry];
  return wanted.filter((w) => rangeContains(entry, w));
}

function proposal(input: FindingsInput, unused: readonly EntryFinding[], priv: readonly EntryFinding[]): ProfileFindings['proposed'] {
  const { topology, allowed, analyses } = input;
  const current = topology.cluster.authorizedIpRanges;
  if (!topology.cluster.apiServer.publicEndpoint) return { ranges: [], count: 0, changed: current.length > 0, applies: false };
  const wanted = publicRanges(analyses, 'reachable');
  const outsiders = publicRanges(analyses, 'blocked');
  const additions = analyses.flatMap((a) => a.additions);
  if (allowed.state === 'disabled') {
    // Enabling the ranges without locking out anyone meant to get in: every known public source except the egress.
    const needed = wanted.flatMap((r) => coverage(r, allowed.egress).missing);
    const ranges = mergeRanges(needed).map(formatRange);
    return { ranges, count: ranges.length, changed: ranges.length > 0, applies: true };
  }
  const hasUnresolved = analyses.some((a) => a.unresolved.length > 0);
  const drop = new Set<number>(priv.map((f) => f.index));
  for (const f of unused) {
    const role = topologyRole(topology, parseRange(f.entry));
    if (role !== undefined || !hasUnresolved) drop.add(f.index);
  }
  const keptEntries = current.filter((_, i) => !drop.has(i)).map(parseRange).filter((r) => !isEgressOnlySentinel(r));
  const kept = keptEntries.flatMap((r) => narrowed(r, wanted, outsiders));
  const narrowedAny = kept.length !== keptEntries.length || kept.some((r, i) => keptEntries[i] !== r);
  if (drop.size === 0 && additions.length === 0 && !narrowedAny) return { ranges: [...current], count: current.length, changed: false, applies: true };
  let ranges = mergeRanges([...kept, ...additions]).map(formatRange);
  // An empty list would disable the feature (everyone admitted): keep "only egress" instead.
  if (ranges.length === 0) ranges = ['0.0.0.0/32'];
  return { ranges, count: ranges.length, changed: true, applies: true };
}

/**
 * Notes about Azure service tags among the clients' sources: AKS takes one tag as one entry (preview), but
 * none on a cluster with API server VNet integration, where the list must hold the tag's prefixes.
 */
function serviceTagNotes(input: FindingsInput): string[] {
  const tags = new Map<string, { tag: string; prefixes: number }>();
  for (const a of input.analyses) if (a.plan.expect === 'reachable') for (const t of a.tags) tags.set(t.reference, t);
  if (tags.size === 0 || input.target !== 'aks') return [];
  const names = [...tags].map(([reference, t]) => `${reference} (${t.prefixes} IPv4 prefixes)`).join(', ');
  if (input.topology.cluster.apiServer.vnetIntegration !== undefined) {
    return [`${names} ${tags.size === 1 ? 'is an Azure service tag' : 'are Azure service tags'}, but AKS refuses service tags on a cluster with API server VNet integration: the list must hold the prefixes (as proposed below)`];
  }
  const [first] = [...tags.values()];
  return [`${names}: AKS also takes one Azure service tag as a single entry (preview feature), e.g. ${first?.tag ?? ''} in place of its prefixes; only one tag per list, and none with API server VNet integration`];
}

/** Notes about clients meant to stay out that the proposed list (or the egress) still admits. */
function keptOutNotes(input: FindingsInput, proposed: readonly Range[]): string[] {
  const notes: string[] = [];
  for (const a of input.analyses) {
    if (a.plan.expect !== 'blocked') continue;
    if (a.plan.path === 'internal' && a.plan.verdict === 'reachable') {
      notes.push(`${a.plan.name} is meant to stay out but reaches the internal VIP, which authorized IP ranges do not govern: keep it off the networks peered with the cluster network (or its name resolving internally)`);
      continue;
    }
    const inside = a.publicRanges.flatMap((r) => coverage(r, [...proposed, ...input.allowed.egress]).covered);
    if (inside.length > 0) {
      notes.push(`${a.plan.name} is meant to stay out, but ${mergeRanges(inside).map(formatRange).join(', ')} of its addresses ${inside.length === 1 ? 'is' : 'are'} inside the proposed list or the cluster's egress, which clients meant to get in need`);
    }
  }
  return notes;
}

/** All profile findings. */
export function profileFindings(input: FindingsInput): ProfileFindings {
  const { topology, allowed, target } = input;
  const limit = TARGET_LIMITS[target];
  const entries = topology.cluster.authorizedIpRanges.length;
  const notes: string[] = [];
  const isPrivate = !topology.cluster.apiServer.publicEndpoint;
  if (isPrivate) {
    notes.push(entries > 0
      ? `the cluster is private: authorized IP ranges are not supported on private clusters, so these ${entries} entries have no effect; clients reach the API server on its private endpoint`
      : 'the cluster is private: authorized IP ranges do not apply; clients reach the API server on its private endpoint');
  }
  if (!isPrivate && allowed.state === 'disabled') notes.push('authorized IP ranges are disabled (the list is empty): every address on the internet can reach the public endpoint');
  if (!isPrivate && allowed.state === 'egress-only') notes.push('the list is 0.0.0.0/32: only the cluster\'s egress addresses can reach the public endpoint');
  if (entries > limit) notes.push(`the list has ${entries} entries; ${target.toUpperCase()} accepts at most ${limit}`);
  const unresolved = unresolvedNames(input.analyses);
  if (unresolved.length > 0 && !isPrivate) {
    notes.push(`${unresolved.join(', ')} could not be resolved: the proposed list and its count leave ${unresolved.length === 1 ? 'it' : 'them'} out`);
  }
  if (!isPrivate) notes.push(...serviceTagNotes(input));
  const unused = unusedEntries(input);
  const admitsBlocked = entriesAdmittingBlocked(input);
  const priv = privateEntries(topology);
  const proposed = proposal(input, unused, priv);
  const proposedRanges = proposed.ranges.map(parseRange).filter((r) => !isEgressOnlySentinel(r));
  if (proposed.applies) notes.push(...keptOutNotes(input, proposedRanges));
  let condensed: CondensedList | undefined;
  if (proposed.count > limit) {
    // Never cover a client meant to stay out (beyond what the list itself already admits of it).
    const exclude = publicRanges(input.analyses, 'blocked').flatMap((r) => coverage(r, proposedRanges).missing);
    try {
      const result = condense(proposedRanges, { max: limit, ...(exclude.length === 0 ? {} : { exclude }) });
      condensed = {
        ranges: result.ranges.map(formatRange),
        extraAddresses: result.extraAddresses.toString(),
        requiredAddresses: result.requiredAddresses.toString(),
      };
    } catch (error) {
      if (!(error instanceof IpgateError)) throw error;
      notes.push(`no list within the ${target.toUpperCase()} limit keeps the clients meant to stay out out: ${error.message}`);
    }
  }
  return {
    state: allowed.state, entries, target, limit, notes, unused, admitsBlocked, private: priv, proposed,
    ...(condensed === undefined ? {} : { condensed }),
  };
}

/** Extra addresses as a share of the required ones, for display: "0.4%". */
export function shareOf(extra: bigint, required: bigint): string {
  if (required === 0n) return '0%';
  const permille = (extra * 1000n) / required;
  return `${permille / 10n}.${permille % 10n}%`;
}
