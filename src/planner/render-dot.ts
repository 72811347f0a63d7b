/**
 * The plan as a Graphviz picture: networks (with their address spaces and VPN gateways), peerings (with
 * their gateway-transit flags), the API server's endpoints, and each client's path, green when it reaches
 * the API server, red when blocked, orange when it cannot be decided; a client meant to stay out is grey
 * when it is kept out and red when it gets in.
 */
import type { ClientPlan } from './plan-client.js';
import type { Plan } from './plan.js';
import type { Peering, Topology } from './topology.js';

const COLOR: Readonly<Record<ClientPlan['verdict'], string>> = { reachable: '#1a7f37', blocked: '#cf222e', unknown: '#bc4c00' };

/** A DOT string literal. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function attrs(a: Readonly<Record<string, string>>): string {
  return `[${Object.entries(a).map(([k, v]) => `${k}=${dotString(v)}`).join(', ')}]`;
}

export function renderDot(plan: Plan, topology: Topology): string {
  const out: string[] = [];
  const api = topology.cluster.apiServer;
  const netIndex = new Map(topology.networks.map((n, i) => [n.name, i]));
  out.push(`digraph ${dotString(`ipgate plan: ${topology.cluster.name}`)} {`);
  out.push('  rankdir=LR;');
  out.push('  newrank=true;');
  out.push('  fontname="Helvetica"; fontsize=11;');
  out.push('  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded"];');
  out.push('  edge [fontname="Helvetica", fontsize=9];');
  out.push(`  internet ${attrs({ label: 'internet', shape: 'ellipse', style: 'dashed' })};`);
  const n = topology.cluster.authorizedIpRanges.length;
  out.push(`  public_endpoint ${attrs(api.publicEndpoint
    ? { label: `API server public endpoint\n${n === 0 ? 'authorized ranges disabled' : `${n} authorized range${n === 1 ? '' : 's'} + egress`}`, style: 'rounded,bold' }
    : { label: 'no public endpoint\n(private cluster)', style: 'rounded,dashed', color: 'gray50', fontcolor: 'gray50' })};`);
  topology.networks.forEach((net, i) => {
    out.push(`  subgraph cluster_net${i} {`);
    out.push(`    label=${dotString(`${net.name}\n${net.cidrs.join(', ')}`)}; style="rounded"; color="gray40";`);
    const egress = net.egressIpRanges === undefined ? '' : `\negress ${net.egressIpRanges.join(', ')}`;
    out.push(`    net${i} ${attrs({ label: `${net.name}${egress}`, shape: 'box', style: 'filled,rounded', fillcolor: 'gray95' })};`);
    if (api.vnetIntegration?.network === net.name) {
      out.push(`    vip ${attrs({ label: `API server internal VIP\n${api.vnetIntegration.internalIp}`, style: 'rounded,bold' })};`);
    }
    const gw = net.vpnGateway;
    if (gw !== undefined) {
      const lines = ['VPN gateway', `public IP ${gw.publicIp}`];
      if (gw.p2sClientPool !== undefined) lines.push(`P2S pool ${gw.p2sClientPool}`);
      if (gw.s2sPrefixes !== undefined && gw.s2sPrefixes.length > 0) lines.push(`S2S ${gw.s2sPrefixes.join(', ')}`);
      out.push(`    gw${i} ${attrs({ label: lines.join('\n'), shape: 'box' })};`);
      out.push(`    gw${i} -> net${i} [arrowhead=none, style=dotted];`);
    }
    out.push('  }');
  });
  const drawn = new Set<string>();
  topology.peerings.forEach((p) => {
    const key = [p.from, p.to].sort().join('\u0000');
    if (drawn.has(key)) return;
    drawn.add(key);
    const back = topology.peerings.find((q) => q.from === p.to && q.to === p.from);
    const flags = (q: Peering): string => {
      const f: string[] = [];
      if (q.allowGatewayTransit !== undefined) f.push(`allowGatewayTransit: ${String(q.allowGatewayTransit)}`);
      if (q.useRemoteGateways !== undefined) f.push(`useRemoteGateways: ${String(q.useRemoteGateways)}`);
      return `${q.from} -> ${q.to}${f.length === 0 ? '' : `: ${f.join(', ')}`}`;
    };
    const label = [back === undefined ? 'peering (one way only)' : 'peering', flags(p), ...(back === undefined ? [] : [flags(back)])].join('\n');
    out.push(`  net${netIndex.get(p.from) ?? -1} -> net${netIndex.get(p.to) ?? -1} ${attrs({ label, dir: back === undefined ? 'forward' : 'both', style: 'dashed', color: 'gray40', fontcolor: 'gray30' })};`);
  });
  plan.clients.forEach((c, i) => {
    const client = topology.clients[i];
    // A client meant to stay out: grey when it is kept out, red when it gets in.
    const color = c.expect === 'blocked' ? (c.verdict === 'blocked' ? '#57606a' : '#cf222e') : COLOR[c.verdict];
    const state = c.expect === 'blocked' ? (c.verdict === 'blocked' ? 'blocked, as expected' : `${c.verdict}, meant to stay out`) : c.verdict;
    out.push(`  client${i} ${attrs({ label: `${c.name}\n${state}`, shape: 'ellipse', color, fontcolor: color, style: 'bold' })};`);
    const hops: string[] = [`client${i}`];
    const via = client?.via;
    if (via !== undefined && (via.kind === 'network' || (via.kind === 'vpn' && (c.path === 'internal' || via.forcedTunnel)))) {
      const index = netIndex.get(via.network) ?? -1;
      hops.push(via.kind === 'vpn' ? `gw${index}` : `net${index}`);
      // A forced tunnel leaves for the internet from the gateway network.
      if (via.kind === 'vpn' && via.forcedTunnel && c.path === 'public') hops.push(`net${index}`);
    }
    if (c.path === 'internal') {
      if (via !== undefined && via.kind !== 'internet' && api.vnetIntegration !== undefined && via.network !== api.vnetIntegration.network) {
        hops.push(`net${netIndex.get(api.vnetIntegration.network) ?? -1}`);
      }
      hops.push(via?.kind === 'internet' ? 'internet' : 'vip');
      if (via?.kind === 'internet') hops.push('vip');
    } else {
      hops.push('internet', 'public_endpoint');
    }
    for (let h = 1; h < hops.length; h++) {
      const last = h === hops.length - 1;
      const codes = [...new Set(c.blockers.filter((b) => b.path === c.path).map((b) => b.code))];
      const label = h === 1 ? c.name : last && c.verdict !== 'reachable' ? (codes.length === 0 ? c.verdict : `${c.verdict}: ${codes.join(', ')}`) : '';
      const a: Record<string, string> = { color, penwidth: '1.6' };
      if (label !== '') {
        a['label'] = label;
        a['fontcolor'] = color;
      }
      if (last && c.verdict !== 'reachable') a['arrowhead'] = 'tee';
      out.push(`  ${hops[h - 1] ?? ''} -> ${hops[h] ?? ''} ${attrs(a)};`);
    }
  });
  out.push('}');
  return `${out.join('\n')}\n`;
}
