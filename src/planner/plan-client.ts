/**
 * The plan for one client: which way its connection goes (internal VIP or public endpoint), the addresses
 * the API server sees, the verdict, and every blocker with its fix. When the public endpoint turns the
 * client away and the cluster has an internal VIP the client could use, the blockers also say what it takes
 * to use the internal VIP instead (it is not subject to authorized IP ranges). A client with `expect: blocked`
 * is judged the same way; a verdict of blocked is then as expected (and no fix is offered), while getting in
 * is the finding.
 */
import { formatRange } from '../cidr/format.js';
import { mergeRanges } from '../cidr/merge.js';
import { rangeContains } from './coverage.js';
import type { Range } from '../cidr/types.js';
import type { CompiledProfile } from '../policy/decide.js';
import type { Blocker } from './blockers.js';
import { internalRoute } from './internal-route.js';
import { judgeSources, publicSource, type AllowedSet } from './public-path.js';
import type { SourceResolver } from './sources.js';
import type { PublicSource, UnresolvedSource } from './public-path.js';
import type { Client, Expectation, Topology, VnetIntegration } from './topology.js';

export type ClientVerdict = 'reachable' | 'blocked' | 'unknown';

export interface ClientPlan {
  readonly name: string;
  /** How the client is connected, in words. */
  readonly connects: string;
  readonly dns: 'public' | 'internal';
  /** The way its connection takes: the internal VIP (no authorized ranges) or the public endpoint. */
  readonly path: 'internal' | 'public';
  /** The hops, in words. */
  readonly route: string[];
  /** Source addresses as the API server sees them (unresolved references as written). */
  readonly sources: string[];
  /** Why it is admitted, when it is. */
  readonly admittedBy: string[];
  readonly verdict: ClientVerdict;
  readonly blockers: Blocker[];
  /** What the client is meant to get (`expect:` in the topology; default reachable). */
  readonly expect: Expectation;
  /** Whether the verdict is what the client is meant to get. */
  readonly asExpected: boolean;
}

/** What the profile findings need beyond the plan itself. */
export interface ClientAnalysis {
  readonly plan: ClientPlan;
  /** Known public source ranges of a client that uses the public endpoint. */
  readonly publicRanges: Range[];
  /** Ranges the profile must add for this client (none for a client meant to stay out). */
  readonly additions: Range[];
  readonly unresolved: UnresolvedSource[];
  /** Azure service tags among its resolved sources. */
  readonly tags: PublicSource['tags'];
}

export interface PlanContext {
  readonly topology: Topology;
  readonly compiled: CompiledProfile;
  readonly allowed: AllowedSet;
  readonly resolve: SourceResolver;
}

/** In words: how the client connects. */
export function describeVia(client: Client): string {
  const via = client.via;
  if (via.kind === 'internet') return 'from the internet';
  if (via.kind === 'network') return `from inside network ${via.network}`;
  const who = via.vpn === 'p2s' ? `point-to-site VPN client of the gateway in ${via.network}` : `on-premises network behind a site-to-site VPN to the gateway in ${via.network}`;
  return via.forcedTunnel ? `${who}, forced tunnel (its internet traffic goes through the VPN)` : who;
}

/** Rule: the addresses a client has inside the private networks (what the internal VIP sees). */
export function privateSources(topology: Topology, client: Client): string[] {
  const via = client.via;
  if (via.kind === 'internet') return [];
  const net = topology.networks.find((n) => n.name === via.network);
  if (via.kind === 'network') return [...(net?.cidrs ?? [])];
  const gw = net?.vpnGateway;
  if (via.vpn === 'p2s') return gw?.p2sClientPool === undefined ? [] : [gw.p2sClientPool];
  return [...(gw?.s2sPrefixes ?? [])];
}

function dnsBlocker(vi: VnetIntegration): Blocker {
  return {
    code: 'DNS_PUBLIC',
    path: 'internal',
    message: 'the API server name resolves to the public endpoint for this client, so it never tries the internal VIP',
    fix: `make the API server name resolve to the internal VIP ${vi.internalIp} for this client (a private DNS zone linked to its network, a conditional forwarder or a hosts entry): dns: internal`,
  };
}

function internalPlan(ctx: PlanContext, client: Client, vi: VnetIntegration): ClientAnalysis {
  const route = internalRoute(ctx.topology, client, vi.network);
  return {
    plan: withExpectation(client, {
      name: client.name,
      connects: describeVia(client),
      dns: client.dns,
      path: 'internal',
      route: [...route.hops, `internal VIP ${vi.internalIp} in ${vi.network}`],
      sources: privateSources(ctx.topology, client),
      admittedBy: route.ok ? ['internal VIP: not subject to authorized IP ranges'] : [],
      verdict: route.ok ? 'reachable' : 'blocked',
      blockers: route.blockers,
    }),
    publicRanges: [],
    additions: [],
    unresolved: [],
    tags: [],
  };
}

/** The fixes that would let a client use the internal VIP instead of the public endpoint. */
function internalAlternative(ctx: PlanContext, client: Client): Blocker[] {
  const vi = ctx.topology.cluster.apiServer.vnetIntegration;
  if (vi === undefined || client.via.kind === 'internet') return [];
  return [...internalRoute(ctx.topology, client, vi.network).blockers, dnsBlocker(vi)];
}

/** A list for a sentence: all of a short one, the first and last few of a long one (the blocker's `add` has them all). */
export function listInWords(items: readonly string[], max = 8): string {
  if (items.length <= max) return items.join(', ');
  return `${items.length} ranges (${items.slice(0, 3).join(', ')}, ... ${items.slice(-2).join(', ')})`;
}

function missingBlocker(ctx: PlanContext, missing: readonly Range[]): Blocker {
  const add = missing.map(formatRange);
  const list = listInWords(add);
  if (ctx.allowed.state === 'egress-only') {
    const egress = ctx.allowed.egress.map(formatRange).join(', ');
    return {
      code: 'EGRESS_ONLY',
      path: 'public',
      message: `the authorized ranges are 0.0.0.0/32: only the cluster's egress addresses${egress === '' ? '' : ` (${egress})`} may connect, and ${list} is not one of them`,
      fix: `replace 0.0.0.0/32 with ${list} (0.0.0.0/32 cannot be combined with other entries; the egress addresses stay admitted)`,
      add,
    };
  }
  return {
    code: 'RANGE_MISSING',
    path: 'public',
    message: `${list} ${missing.length === 1 ? 'is' : 'are'} not in the authorized IP ranges`,
    fix: add.length > 8 ? `add these ${add.length} ranges to authorizedIpRanges (every one: --output json, in this blocker's "add")` : `add ${list} to authorizedIpRanges`,
    add,
  };
}

function unresolvedBlocker(u: UnresolvedSource): Blocker {
  const ref = u.reference;
  return {
    code: 'SOURCE_UNRESOLVED',
    path: 'public',
    message: u.problem === undefined
      ? `${ref.text} names a published range list that cannot be resolved offline, so whether the profile admits it is unknown`
      : `${ref.text} could not be resolved (${u.problem}), so whether the profile admits it is unknown`,
    fix: u.problem === undefined
      ? `plan with the range sources that define it (--config ipgate.yaml or --sources FILE), or list the CIDRs of ${ref.name} in sourceIpRanges instead of ${ref.text}`
      : `fix the reference or its source, or list the CIDRs of ${ref.name} in sourceIpRanges instead of ${ref.text}`,
  };
}

/** The client's plan with its expectation applied: a client meant to stay out gets no fixes to let it in. */
function withExpectation(client: Client, plan: Omit<ClientPlan, 'expect' | 'asExpected'>): ClientPlan {
  const expect = client.expect;
  const asExpected = expect === 'reachable' ? plan.verdict === 'reachable' : plan.verdict === 'blocked';
  return { ...plan, ...(expect === 'blocked' && plan.verdict === 'blocked' ? { blockers: [] } : {}), expect, asExpected };
}

function noPublicEndpoint(ctx: PlanContext): Blocker {
  const vi = ctx.topology.cluster.apiServer.vnetIntegration;
  return {
    code: 'NO_PUBLIC_ENDPOINT',
    path: 'public',
    message: 'the cluster is private: its API server has no public endpoint, and authorized IP ranges do not apply',
    fix: vi === undefined
      ? 'reach the API server on its private address: describe it as cluster.apiServer.vnetIntegration (network, internalIp) and connect the client through that network'
      : `reach the internal VIP ${vi.internalIp} through ${vi.network}, a network peered with it, or a VPN gateway with gateway transit, with the name resolving internally`,
  };
}

function publicPlan(ctx: PlanContext, client: Client): ClientAnalysis {
  const base = { name: client.name, connects: describeVia(client), dns: client.dns, path: 'public' as const };
  const alternative = internalAlternative(ctx, client);
  if (!ctx.topology.cluster.apiServer.publicEndpoint) {
    return {
      plan: withExpectation(client, { ...base, route: ['public endpoint (none: private cluster)'], sources: [], admittedBy: [], verdict: 'blocked', blockers: [noPublicEndpoint(ctx), ...alternative] }),
      publicRanges: [],
      additions: [],
      unresolved: [],
      tags: [],
    };
  }
  const source = publicSource(ctx.topology, client, ctx.resolve);
  const judgement = judgeSources(ctx.compiled, ctx.allowed, source.ranges);
  // What to add: the missing parts, joined over the cluster's egress addresses inside the same sources (always
  // admitted, so listing them changes nothing and keeps a provider's prefixes whole).
  const egressInside = ctx.allowed.egress.filter((e) => source.ranges.some((r) => rangeContains(r, e)));
  const additions = judgement.missing.length === 0 ? [] : mergeRanges([...judgement.missing, ...egressInside]);
  const blockers: Blocker[] = [];
  if (judgement.missing.length > 0) blockers.push(missingBlocker(ctx, additions));
  const disabled = ctx.allowed.state === 'disabled';
  if (!disabled) {
    if (source.unknown !== undefined) blockers.push(source.unknown);
    blockers.push(...source.unresolved.map(unresolvedBlocker));
  }
  let verdict: ClientVerdict = 'reachable';
  // A VPN user's own connection is unknown and usually changing: blocked, not undecidable.
  const ownConnection = client.via.kind === 'vpn' && !client.via.forcedTunnel;
  if (judgement.missing.length > 0 || (!disabled && source.unknown !== undefined && ownConnection)) verdict = 'blocked';
  else if (blockers.length > 0) verdict = 'unknown';
  const admittedBy = disabled ? ['authorized IP ranges are disabled (everyone is admitted)'] : judgement.admittedBy;
  const via = client.via;
  const hops = via.kind === 'network' ? [`network ${via.network}`] : via.kind === 'vpn' && via.forcedTunnel ? [`VPN into ${via.network}`] : [];
  return {
    plan: withExpectation(client, {
      ...base,
      route: [...hops, `internet, from ${source.description}`, 'public endpoint'],
      sources: source.unknown === undefined ? source.shown : ['unknown'],
      admittedBy,
      verdict,
      blockers: verdict === 'reachable' ? [] : [...blockers, ...alternative],
    }),
    publicRanges: source.ranges,
    additions: client.expect === 'blocked' ? [] : additions,
    unresolved: source.unresolved,
    tags: source.tags,
  };
}

/** The plan for one client. */
export function planClient(ctx: PlanContext, client: Client): ClientAnalysis {
  const vi = ctx.topology.cluster.apiServer.vnetIntegration;
  if (vi !== undefined && client.dns === 'internal') return internalPlan(ctx, client, vi);
  return publicPlan(ctx, client);
}
