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

function verdictText(client: ClientPlan): string {
  if (client.expect === 'blocked' && client.verdict === 'blocked') return 'BLOCKED (as expected)';
  if (client.expect === 'blocked' && client.verdict === 'reachable') return 'REACHABLE, but meant to stay out (expect: blocked)';
  return VERDICT[client.verdict];
}

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
  const lines = [`${client.name}: ${verdictText(client)}`];
  lines.push(`  connects:    ${client.connects}; the API server name resolves to ${client.dns === 'internal' ? 'the internal VIP' : 'the public endpoint'}`);
  lines.push(`  path:        ${client.path === 'internal' ? 'internal VIP' : 'public endpoint'}: ${client.route.join(' -> ')}`);
  lines.push(`  seen as:     ${client.sources.length === 0 ? '(none)' : client.sources.join(', ')}`);
  if (client.admittedBy.length > 0) {
    lines.push(client.verdict === 'reachable' ? `  admitted by: ${client.admittedBy.join(', ')}` : `  partly:      admitted by ${client.admittedBy.join(', ')}`);
  }
  const onPath = client.blockers.filter((b) => b.path === client.path);
  const other = client.blockers.filter((b) => b.path !== client.path);
  lines.push(...wrapBlockers(client.path === 'public' ? 'on the public endpoint:' : 'on the way to the internal VIP:', onPath));
  lines.push(...wrapBlockers('or use the internal VIP instead (no authorized ranges apply there); that needs all of:', other));
  return lines;
}

/** A long list shortened for reading (--output json has every entry). */
function preview(items: readonly string[], max = 12): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')}, ... (${items.length - max} more; --output json lists all)`;
}

export function renderProfile(p: ProfileFindings): string[] {
  const lines = [`Authorized IP ranges: ${p.entries} entr${p.entries === 1 ? 'y' : 'ies'} (${p.target.toUpperCase()} accepts at most ${p.limit})`];
  for (const note of p.notes) lines.push(`  note: ${note}`);
  if (p.unused.length > 0) {
    lines.push('  entries that admit no client:');
    for (const f of p.unused) lines.push(`    - ${f.message}`);
  }
  if (p.admitsBlocked.length > 0) {
    lines.push('  entries that admit clients meant to stay out:');
    for (const f of p.admitsBlocked) lines.push(`    - ${f.message}`);
  }
  if (p.private.length > 0) {
    lines.push('  private entries (never the source of a connection to a public endpoint):');
    for (const f of p.private) lines.push(`    - ${f.message}`);
  }
  if (!p.proposed.applies) {
    lines.push(`  no list to propose: authorized IP ranges do not apply to a private cluster (no public endpoint); use the private endpoint${p.entries > 0 ? ', and remove the list' : ''}`);
  } else if (p.proposed.changed) {
    lines.push(`  proposed list (${p.proposed.count} entr${p.proposed.count === 1 ? 'y' : 'ies'}): ${preview(p.proposed.ranges)}`);
  } else {
    lines.push('  no change needed to the list for the clients above');
  }
  if (p.condensed !== undefined) {
    const extra = BigInt(p.condensed.extraAddresses);
    const required = BigInt(p.condensed.requiredAddresses);
    lines.push(`  over the ${p.target.toUpperCase()} limit: the optimal ${p.condensed.ranges.length}-entry list admits ${extra} extra addresses (${shareOf(extra, required)} of the ${required} needed):`);
    lines.push(`    ${preview(p.condensed.ranges)}`);
    lines.push('    (ipgate\'s own gateway has no entry limit: it enforces the full list, or a range-source reference kept current; see docs/sources.md)');
  }
  return lines;
}

export function renderText(plan: Plan, topology: Topology): string {
  const blocks = [[clusterLine(topology)], ...plan.clients.map(renderClient), renderProfile(plan.profile)];
  const wanted = plan.clients.filter((c) => c.expect === 'reachable');
  const reachable = wanted.filter((c) => c.verdict === 'reachable').length;
  const blocked = wanted.filter((c) => c.verdict === 'blocked').length;
  const outsiders = plan.clients.filter((c) => c.expect === 'blocked');
  const keptOut = outsiders.filter((c) => c.verdict === 'blocked').length;
  const getIn = outsiders.filter((c) => c.verdict === 'reachable').length;
  const unknown = plan.clients.length - reachable - blocked - keptOut - getIn;
  const summary = `${reachable} of ${wanted.length} client${wanted.length === 1 ? ' reaches' : 's reach'} the API server` +
    `${blocked > 0 ? `; ${blocked} blocked` : ''}${unknown > 0 ? `; ${unknown} unknown` : ''}` +
    `${keptOut > 0 ? `; ${keptOut} kept out as expected` : ''}${getIn > 0 ? `; ${getIn} meant to stay out but ${getIn === 1 ? 'gets' : 'get'} in` : ''}.`;
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n\n${summary}\n`;
}
