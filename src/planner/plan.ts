/**
 * `ipgate plan`: from a topology, which path each client takes to the API server, what the API server sees,
 * whether the access profile admits it, and what to change when it does not; then findings about the
 * profile itself. Pure: no files, no network. Range references are resolved by the given resolver.
 */
import { compileProfile } from '../policy/decide.js';
import { profileFindings, type ProfileFindings, type Target } from './findings.js';
import { planClient, type ClientPlan } from './plan-client.js';
import { allowedSet } from './public-path.js';
import { resolveNothing, type SourceResolver } from './sources.js';
import type { Topology } from './topology.js';

export interface PlanOptions {
  /** Provider whose entry limit the profile is measured against (default aks). */
  readonly target?: Target;
  /** Resolves range references such as `azure:AzureDevOps`; by default nothing is resolved. */
  readonly resolve?: SourceResolver;
}

export interface Plan {
  readonly cluster: string;
  readonly clients: ClientPlan[];
  readonly profile: ProfileFindings;
}

export function planTopology(topology: Topology, options: PlanOptions = {}): Plan {
  const profile = { authorizedIpRanges: topology.cluster.authorizedIpRanges, egressIpRanges: topology.cluster.egressIpRanges };
  const ctx = {
    topology,
    compiled: compileProfile(profile),
    allowed: allowedSet(profile.authorizedIpRanges, profile.egressIpRanges),
    resolve: options.resolve ?? resolveNothing,
  };
  const analyses = topology.clients.map((client) => planClient(ctx, client));
  return {
    cluster: topology.cluster.name,
    clients: analyses.map((a) => a.plan),
    profile: profileFindings({ topology, allowed: ctx.allowed, analyses, target: options.target ?? 'aks' }),
  };
}

/** Whether every client gets what it is meant to: in (the default), or kept out (`expect: blocked`). */
export function allAsExpected(plan: Plan): boolean {
  return plan.clients.every((c) => c.asExpected);
}

/** Whether every client reaches the API server. */
export function allReachable(plan: Plan): boolean {
  return plan.clients.every((c) => c.verdict === 'reachable');
}
