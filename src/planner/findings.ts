/**
 * Findings about the access profile itself: entries that admit no client (and why they never could),
 * entries in private ranges (never the source of a connection to a public endpoint), and the entry count
 * against a provider's limit, with the optimal condensed list when the proposed list is over it.
 */
import { condense } from '../cidr/condense.js';
import { formatRange } from '../cidr/format.js';
import { mergeRanges } from '../cidr/merge.js';
import { parseAddress, parseRange } from '../cidr/parse.js';
import { containsAddress, type Range } from '../cidr/types.js';
import { isEgressOnlySentinel } from '../policy/validate.js';
import { coverage, rangesOverlap } from './coverage.js';
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
  /** Entries inside private or special-purpose ranges. */
  readonly private: EntryFinding[];
  /** The list that admits every client on the public endpoint (kept entries plus additions, merged). */
  readonly proposed: { readonly ranges: string[]; readonly count: number; readonly changed: boolean };
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

/** Rule: entries that admit no public-endpoint client and are not the cluster's egress. */
export function unusedEntries(input: FindingsInput): EntryFinding[] {
  const { topology, allowed, analyses } = input;
  if (allowed.state !== 'ranges') return [];
  const sources = analyses.filter((a) => a.plan.path === 'public').flatMap((a) => a.publicRanges);
  const unresolved = [...new Set(analyses.flatMap((a) => a.unresolved.map((r) => r.text)))];
  const out: EntryFinding[] = [];
  topology.cluster.authorizedIpRanges.forEach((entry, index) => {
    const range = parseRange(entry);
    if (sources.some((s) => rangesOverlap(s, range))) return;
    if (coverage(range, allowed.egress).missing.length === 0) return; // only egress addresses: harmless
    const role = topologyRole(topology, range);
    const caveat = role === undefined && unresolved.length > 0 ? ` (unless it belongs to ${unresolved.join(', ')}, which could not be resolved)` : '';
    out.push({ index, entry, message: `${entry} admits no client in this topology${role === undefined ? caveat : `: ${role}`}` });
  });
  return out;
}

/** Rule: entries inside private or special-purpose blocks. */
export function privateEntries(topology: Topology): EntryFinding[] {
  const out: EntryFinding[] = [];
  topology.cluster.authorizedIpRanges.forEach((entry, index) => {
    const range = parseRange(entry);
    if (isEgressOnlySentinel(range)) return;
    const block = nonPublicBlock(range);
    if (block !== undefined) out.push({ index, entry, message: `${entry} is a non-public range (${block}): no connection to a public endpoint comes from it` });
  });
  return out;
}

function proposal(input: FindingsInput, unused: readonly EntryFinding[], priv: readonly EntryFinding[]): ProfileFindings['proposed'] {
  const { topology, allowed, analyses } = input;
  const current = topology.cluster.authorizedIpRanges;
  const additions = analyses.flatMap((a) => a.additions);
  if (allowed.state === 'disabled') {
    // Enabling the ranges without locking out anyone here: every known public source except the egress.
    const needed = analyses.filter((a) => a.plan.path === 'public').flatMap((a) => a.publicRanges)
      .flatMap((r) => coverage(r, allowed.egress).missing);
    const ranges = mergeRanges(needed).map(formatRange);
    return { ranges, count: ranges.length, changed: ranges.length > 0 };
  }
  const hasUnresolved = analyses.some((a) => a.unresolved.length > 0);
  const drop = new Set<number>(priv.map((f) => f.index));
  for (const f of unused) {
    const role = topologyRole(topology, parseRange(f.entry));
    if (role !== undefined || !hasUnresolved) drop.add(f.index);
  }
  if (drop.size === 0 && additions.length === 0) return { ranges: [...current], count: current.length, changed: false };
  const kept = current.filter((_, i) => !drop.has(i)).map(parseRange).filter((r) => !isEgressOnlySentinel(r));
  let ranges = mergeRanges([...kept, ...additions]).map(formatRange);
  // An empty list would disable the feature (everyone admitted): keep "only egress" instead.
  if (ranges.length === 0) ranges = ['0.0.0.0/32'];
  return { ranges, count: ranges.length, changed: true };
}

/** All profile findings. */
export function profileFindings(input: FindingsInput): ProfileFindings {
  const { topology, allowed, target } = input;
  const limit = TARGET_LIMITS[target];
  const entries = topology.cluster.authorizedIpRanges.length;
  const notes: string[] = [];
  if (!topology.cluster.apiServer.publicEndpoint && entries > 0) {
    notes.push(`the cluster is private: authorized IP ranges are not supported on private clusters, so these ${entries} entries have no effect`);
  }
  if (allowed.state === 'disabled') notes.push('authorized IP ranges are disabled (the list is empty): every address on the internet can reach the public endpoint');
  if (allowed.state === 'egress-only') notes.push('the list is 0.0.0.0/32: only the cluster\'s egress addresses can reach the public endpoint');
  if (entries > limit) notes.push(`the list has ${entries} entries; ${target.toUpperCase()} accepts at most ${limit}`);
  const unresolved = [...new Set(input.analyses.flatMap((a) => a.unresolved.map((r) => r.text)))];
  if (unresolved.length > 0) {
    notes.push(`${unresolved.join(', ')} could not be resolved: the proposed list and its count leave ${unresolved.length === 1 ? 'it' : 'them'} out`);
  }
  const unused = unusedEntries(input);
  const priv = privateEntries(topology);
  const proposed = proposal(input, unused, priv);
  let condensed: CondensedList | undefined;
  if (proposed.count > limit) {
    const result = condense(proposed.ranges.map(parseRange), { max: limit });
    condensed = {
      ranges: result.ranges.map(formatRange),
      extraAddresses: result.extraAddresses.toString(),
      requiredAddresses: result.requiredAddresses.toString(),
    };
  }
  return { state: allowed.state, entries, target, limit, notes, unused, private: priv, proposed, ...(condensed === undefined ? {} : { condensed }) };
}

/** Extra addresses as a share of the required ones, for display: "0.4%". */
export function shareOf(extra: bigint, required: bigint): string {
  if (required === 0n) return '0%';
  const permille = (extra * 1000n) / required;
  return `${permille / 10n}.${permille % 10n}%`;
}
