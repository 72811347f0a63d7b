/**
 * Rule: can a client reach the API server's internal VIP (API server VNet integration)? Only from the
 * cluster network itself, from a network peered with it in both directions, or from behind a VPN gateway of
 * such a network when gateway transit is on: `allowGatewayTransit` on the peering from the gateway network,
 * `useRemoteGateways` on the peering from the cluster network. Peering is not transitive. Traffic on this
 * path is not subject to authorized IP ranges.
 */
import type { Blocker } from './blockers.js';
import type { Client, Peering, Topology } from './topology.js';

export interface InternalRoute {
  /** True when packets from the client reach the internal VIP. */
  readonly ok: boolean;
  /** The hops, in words, from the client to the VIP (as far as they exist). */
  readonly hops: string[];
  /** What to change so the route exists (empty when ok). */
  readonly blockers: Blocker[];
}

/** The peering from one network to another, if declared. */
export function findPeering(peerings: readonly Peering[], from: string, to: string): Peering | undefined {
  return peerings.find((p) => p.from === from && p.to === to);
}

function missingPeering(from: string, to: string, flags: string): Blocker {
  return {
    code: 'PEERING_MISSING',
    path: 'internal',
    message: `there is no peering from ${from} to ${to}; a peering works only when both directions exist`,
    fix: `add the peering { from: ${from}, to: ${to}${flags} }`,
    peering: { from, to },
  };
}

const PORTAL: Readonly<Record<'allowGatewayTransit' | 'useRemoteGateways', string>> = {
  allowGatewayTransit: '"Use this virtual network\'s gateway or Route Server"',
  useRemoteGateways: '"Use the remote virtual network\'s gateway or Route Server"',
};

function flagBlocker(from: string, to: string, flag: 'allowGatewayTransit' | 'useRemoteGateways', why: string): Blocker {
  return {
    code: 'PEERING_FLAG',
    path: 'internal',
    message: `the peering from ${from} to ${to} does not have ${flag}: ${why}`,
    fix: `set ${flag}: true on the peering from ${from} to ${to} (Azure portal: ${PORTAL[flag]})`,
    peering: { from, to, flag },
  };
}

/** Rule: two networks are connected when both peering directions exist. */
export function peeringBlockers(peerings: readonly Peering[], a: string, b: string): Blocker[] {
  const out: Blocker[] = [];
  if (findPeering(peerings, a, b) === undefined) out.push(missingPeering(a, b, ''));
  if (findPeering(peerings, b, a) === undefined) out.push(missingPeering(b, a, ''));
  return out;
}

/**
 * Rule: VPN clients of `gateway` reach `cluster` when both peerings exist, the gateway side allows gateway
 * transit and the cluster side uses the remote gateway (otherwise the cluster network has no route back to
 * the VPN clients, and the VPN clients are not told the cluster network's routes).
 */
export function gatewayTransitBlockers(peerings: readonly Peering[], gateway: string, cluster: string): Blocker[] {
  const out: Blocker[] = [];
  const out1 = findPeering(peerings, gateway, cluster);
  const back = findPeering(peerings, cluster, gateway);
  if (out1 === undefined) out.push(missingPeering(gateway, cluster, ', allowGatewayTransit: true'));
  else if (out1.allowGatewayTransit !== true) {
    out.push(flagBlocker(gateway, cluster, 'allowGatewayTransit', `VPN clients of ${gateway}'s gateway are not given routes to ${cluster}`));
  }
  if (back === undefined) out.push(missingPeering(cluster, gateway, ', useRemoteGateways: true'));
  else if (back.useRemoteGateways !== true) {
    out.push(flagBlocker(cluster, gateway, 'useRemoteGateways', `${cluster} has no route back to the VPN clients behind ${gateway}'s gateway`));
  }
  return out;
}

/** The route from a client to the internal VIP of a cluster with VNet integration into `clusterNetwork`. */
export function internalRoute(topology: Topology, client: Client, clusterNetwork: string): InternalRoute {
  const via = client.via;
  const peerings = topology.peerings;
  if (via.kind === 'internet') {
    return {
      ok: false,
      hops: [],
      blockers: [{
        code: 'NO_ROUTE',
        path: 'internal',
        message: `the internal VIP is a private address in ${clusterNetwork}; it cannot be reached from the internet`,
        fix: `connect the client through a VPN gateway or a network peered with ${clusterNetwork}, or let the API server name resolve to the public endpoint (dns: public)`,
      }],
    };
  }
  const entry = via.kind === 'network' ? `network ${via.network}` : `${via.vpn === 'p2s' ? 'point-to-site' : 'site-to-site'} VPN into ${via.network}`;
  if (via.network === clusterNetwork) {
    return { ok: true, hops: [entry], blockers: [] };
  }
  const blockers = via.kind === 'network'
    ? peeringBlockers(peerings, via.network, clusterNetwork)
    : gatewayTransitBlockers(peerings, via.network, clusterNetwork);
  const hop = via.kind === 'network'
    ? `peering ${via.network} <-> ${clusterNetwork}`
    : `peering ${via.network} <-> ${clusterNetwork} with gateway transit`;
  return { ok: blockers.length === 0, hops: [entry, hop], blockers };
}
