/**
 * Rules for the public endpoint: where a client's connection comes from as the API server sees it, and
 * whether the access profile admits it. Internet clients connect from their sourceIpRanges, clients inside a
 * network from the network's egressIpRanges (NAT gateway, firewall), VPN clients from their own internet
 * connection (sourceIpRanges when given; otherwise unknown), or, with forced tunnelling (their internet
 * traffic goes through the VPN too), from the gateway network's egressIpRanges. The profile decides with
 * AKS's rules: an empty list admits everyone, the egress addresses are always admitted, 0.0.0.0/32 admits
 * only them.
 */
import { parseRange } from '../cidr/parse.js';
import { formatRange } from '../cidr/format.js';
import { mergeRanges } from '../cidr/merge.js';
import type { Range } from '../cidr/types.js';
import type { CompiledProfile } from '../policy/decide.js';
import { isEgressOnlySentinel } from '../policy/validate.js';
import type { Blocker } from './blockers.js';
import { coverage } from './coverage.js';
import { classifySource, type SourceReference, type SourceResolver } from './sources.js';
import type { Client, Topology } from './topology.js';

export interface PublicSource {
  /** In words: "its sourceIpRanges", "the egress addresses of network hub-vnet". */
  readonly description: string;
  /** Known source ranges (CIDRs as written, and the ranges of resolved references). */
  readonly ranges: Range[];
  /** The entries as the API server sees them, for display (unresolved references as written). */
  readonly shown: string[];
  readonly unresolved: UnresolvedSource[];
  /** Resolved references that are Azure service tags: the reference as written and the tag. */
  readonly tags: Array<{ readonly reference: string; readonly tag: string; readonly prefixes: number }>;
  /** Set when the client's public address is not known at all. */
  readonly unknown?: Blocker;
}

/** A reference that could not be resolved, and why when the resolver said. */
export interface UnresolvedSource {
  readonly reference: SourceReference;
  readonly problem?: string;
}

function fromEntries(entries: readonly string[], resolve: SourceResolver): Pick<PublicSource, 'ranges' | 'shown' | 'unresolved' | 'tags'> {
  const ranges: Range[] = [];
  const shown: string[] = [];
  const unresolved: UnresolvedSource[] = [];
  const tags: PublicSource['tags'] = [];
  for (const text of entries) {
    const entry = classifySource(text);
    if (entry.kind === 'range') {
      ranges.push(entry.range);
      shown.push(formatRange(entry.range));
      continue;
    }
    const resolved = resolve(entry.reference);
    if (resolved === undefined || 'problem' in resolved) {
      unresolved.push({ reference: entry.reference, ...(resolved === undefined ? {} : { problem: resolved.problem }) });
      shown.push(text);
    } else {
      // The public endpoints planned for (AKS, GKE, EKS) are IPv4: a list's IPv6 prefixes never reach them.
      const v4 = resolved.ranges.filter((r) => r.family === 4);
      const v6 = resolved.ranges.length - v4.length;
      ranges.push(...v4);
      if (resolved.serviceTag !== undefined) tags.push({ reference: text, tag: resolved.serviceTag, prefixes: v4.length });
      shown.push(`${text} (${v4.length} IPv4 range${v4.length === 1 ? '' : 's'}${v6 === 0 ? '' : `; ${v6} IPv6 left out: the public endpoint is IPv4`})`);
    }
  }
  return { ranges, shown, unresolved, tags };
}

/** The public source of machines in (or tunnelled into) a network: its egress addresses, or unknown. */
/** A public source the planner cannot know: no ranges, and the finding that says why and what to set. */
function unknownSource(description: string, message: string, fix: string): PublicSource {
  return { description, ranges: [], shown: [], unresolved: [], tags: [], unknown: { code: 'SOURCE_UNKNOWN', path: 'public', message, fix } };
}

function networkEgress(topology: Topology, network: string, description: string, resolve: SourceResolver): PublicSource {
  const index = topology.networks.findIndex((n) => n.name === network);
  const egress = topology.networks[index]?.egressIpRanges;
  if (egress === undefined || egress.length === 0) {
    return unknownSource(
      description,
      `network ${network} does not say which public addresses it reaches the internet from, so the address the API server sees is unknown`,
      `set networks[${index}].egressIpRanges to the network's outbound addresses (NAT gateway, firewall or load balancer IPs)`,
    );
  }
  return { description, ...fromEntries(egress, resolve) };
}

/** Rule: the public source of a client, as the API server sees it. */
export function publicSource(topology: Topology, client: Client, resolve: SourceResolver): PublicSource {
  const via = client.via;
  if (via.kind === 'internet') {
    return { description: 'its sourceIpRanges', ...fromEntries(client.sourceIpRanges ?? [], resolve) };
  }
  if (via.kind === 'network') return networkEgress(topology, via.network, `the outbound addresses of network ${via.network}`, resolve);
  if (via.forcedTunnel) {
    return networkEgress(topology, via.network, `the outbound addresses of network ${via.network} (forced tunnel: the client's internet traffic goes through the VPN)`, resolve);
  }
  const own = via.vpn === 'p2s' ? 'the VPN user\'s own internet connection (not through the VPN)' : 'the on-premises network\'s own internet connection (not through the VPN)';
  if (client.sourceIpRanges !== undefined && client.sourceIpRanges.length > 0) {
    return { description: `${own} (its sourceIpRanges)`, ...fromEntries(client.sourceIpRanges, resolve) };
  }
  return unknownSource(
    own,
    `traffic to the public endpoint leaves from ${own}, whose address is not known (and usually changes); the VPN pool, the gateway network and the gateway's public IP are never the source`,
    'reach the API server through its internal VIP instead (the internal-path fixes below), or give the client\'s sourceIpRanges and authorize them',
  );
}

export type ProfileState = 'disabled' | 'egress-only' | 'ranges';

/** The ranges a profile admits on the public endpoint, and which of AKS's three modes it is in. */
export interface AllowedSet {
  readonly state: ProfileState;
  /** Everything admitted (authorized + egress); unused when disabled. */
  readonly ranges: Range[];
  readonly egress: Range[];
}

export function allowedSet(authorizedIpRanges: readonly string[], egressIpRanges: readonly string[]): AllowedSet {
  const egress = egressIpRanges.map(parseRange);
  if (authorizedIpRanges.length === 0) return { state: 'disabled', ranges: [], egress };
  const authorized = authorizedIpRanges.map(parseRange);
  const only = authorized[0];
  if (authorized.length === 1 && only !== undefined && isEgressOnlySentinel(only)) {
    return { state: 'egress-only', ranges: mergeRanges(egress), egress };
  }
  return { state: 'ranges', ranges: mergeRanges([...authorized, ...egress]), egress };
}

export interface Judgement {
  /** Profile entries that admit (parts of) the sources, with the reason: `73.140.245.0/24 (authorized)`. */
  readonly admittedBy: string[];
  /** Source addresses no entry admits, merged into the fewest prefixes. */
  readonly missing: Range[];
}

/**
 * Rule: which parts of the sources the profile admits. Every admitted piece is confirmed with the profile's
 * own decision function at its first and last address; a piece it does not confirm counts as missing.
 */
export function judgeSources(compiled: CompiledProfile, allowed: AllowedSet, sources: readonly Range[]): Judgement {
  const admittedBy = new Set<string>();
  const missing: Range[] = [];
  for (const source of sources) {
    const split = allowed.state === 'disabled' ? { covered: [source], missing: [] } : coverage(source, allowed.ranges);
    missing.push(...split.missing);
    for (const piece of split.covered) {
      const first = compiled.decide({ family: piece.family, value: piece.network });
      const last = compiled.decide({ family: piece.family, value: piece.network + (1n << BigInt((piece.family === 4 ? 32 : 128) - piece.prefix)) - 1n });
      if (!first.allowed || !last.allowed) {
        missing.push(piece);
        continue;
      }
      for (const v of [first, last]) {
        admittedBy.add(v.reason === 'disabled' ? 'authorized IP ranges are disabled (everyone is admitted)'
          : v.reason === 'egress' ? `${v.matched ?? '?'} (cluster egress, always admitted)` : `${v.matched ?? '?'} (authorized)`);
      }
    }
  }
  return { admittedBy: [...admittedBy], missing: mergeRanges(missing) };
}
