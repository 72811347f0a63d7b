/**
 * The plan as text for people: one block per client (how it connects, the way its connection takes, what
 * the API server sees, the verdict and every blocker with its fix), then the findings about the profile.
 */
import type { Blocker } from './blockers.js';
import { shareOf, type ProfileFindings } from './findings.js';
import type { ClientPlan } from './plan-client.js';
import type { Plan } from './plan.js';
import type { Topology } from './topology.js';

const VERDICT: Readonly<Record<ClientPlan['verdict'], string>> = {
  reachable: 'REACHABLE',
  blocked: 'BLOCKED',
  unknown: 'UNKNOWN (cannot be decided from this topology)',
};

function wrapBlockers(title: string, blockers: readonly Blocker[]): string[] {
  if (blockers.length === 0) return [];
  const lines = [`  ${title}`];
  for (const b of blockers) {
    lines.push(`    - ${b.message} [${b.code}]`);
    lines.push(`      fix: ${b.fix}`);
  }
  return lines;
}

function clusterLine(topology: Topology): string {
  const api = topology.cluster.apiServer;
  const parts: string[] = [];
  if (!api.publicEndpoint) parts.push('private cluster (no public endpoint)');
  else {
    const n = topology.cluster.authorizedIpRanges.length;
    parts.push(n === 0 ? 'public endpoint, authorized IP ranges disabled' : `public endpoint limited to ${n} authorized IP range${n === 1 ? '' : 's'} plus the cluster's egress`);
  }
  if (api.vnetIntegration !== undefined) {
    parts.push(`internal VIP ${api.vnetIntegration.internalIp} in network ${api.vnetIntegration.network} (not subject to authorized IP ranges)`);
  }
  return `Cluster ${topology.cluster.name}: ${parts.join('; ')}`;
}

export function renderClient(client: ClientPlan): string[] {
  const lines = [`${client.name}: ${VERDICT[client.verdict]}`];
  lines.push(`  connects:    ${client.connects}; the API server name resolves to ${client.dns === 'internal' ? 'the internal VIP' : 'the public endpoint'}`);
  lines.push(`  path:        ${client.path === 'internal' ? 'internal VIP' : 'public endpoint'}: ${client.route.join(' -> ')}`);
  lines.push(`  seen as:     ${client.sources.length === 0 ? '(none)' : client.sources.join(', ')}`);
  if (client.admittedBy.length > 0) lines.push(`  admitted by: ${client.admittedBy.join(', ')}`);
  const onPath = client.blockers.filter((b) => b.path === client.path);
  const other = client.blockers.filter((b) => b.path !== client.path);
  lines.push(...wrapBlockers(client.path === 'public' ? 'on the public endpoint:' : 'on the way to the internal VIP:', onPath));
  lines.push(...wrapBlockers('or use the internal VIP instead (no authorized ranges apply there); that needs all of:', other));
  return lines;
}

export function renderProfile(p: ProfileFindings): string[] {
  const lines = [`Authorized IP ranges: ${p.entries} entr${p.entries === 1 ? 'y' : 'ies'} (${p.target.toUpperCase()} accepts at most ${p.limit})`];
  for (const note of p.notes) lines.push(`  note: ${note}`);
  if (p.unused.length > 0) {
    lines.push('  entries that admit no client:');
    for (const f of p.unused) lines.push(`    - ${f.message}`);
  }
  if (p.private.length > 0) {
    lines.push('  private entries (never the source of a connection to a public endpoint):');
    for (const f of p.private) lines.push(`    - ${f.message}`);
  }
  if (p.proposed.changed) {
    lines.push(`  proposed list (${p.proposed.count} entr${p.proposed.count === 1 ? 'y' : 'ies'}): ${p.proposed.ranges.join(', ')}`);
  } else {
    lines.push('  no change needed to the list for the clients above');
  }
  if (p.condensed !== undefined) {
    const extra = BigInt(p.condensed.extraAddresses);
    const required = BigInt(p.condensed.requiredAddresses);
    lines.push(`  over the ${p.target.toUpperCase()} limit: the optimal ${p.condensed.ranges.length}-entry list admits ${extra} extra addresses (${shareOf(extra, required)} of the ${required} needed):`);
    lines.push(`    ${p.condensed.ranges.join(', ')}`);
  }
  return lines;
}

export function renderText(plan: Plan, topology: Topology): string {
  const blocks = [[clusterLine(topology)], ...plan.clients.map(renderClient), renderProfile(plan.profile)];
  const reachable = plan.clients.filter((c) => c.verdict === 'reachable').length;
  const blocked = plan.clients.filter((c) => c.verdict === 'blocked').length;
  const unknown = plan.clients.length - reachable - blocked;
  const summary = `${reachable} of ${plan.clients.length} client${plan.clients.length === 1 ? ' reaches' : 's reach'} the API server` +
    `${blocked > 0 ? `; ${blocked} blocked` : ''}${unknown > 0 ? `; ${unknown} unknown` : ''}.`;
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n\n${summary}\n`;
}
