/**
 * The topology `ipgate plan` reads: one cluster (its API server endpoints and access profile), the networks
 * around it, the peerings between them, and the clients that want to reach the API server.
 * Every range here is already validated (see parse-topology.ts); names are unique and every reference to a
 * network names one that exists.
 */
import type { Range } from '../cidr/types.js';

export interface VnetIntegration {
  /** The cluster network: where the API server's internal VIP lives. */
  readonly network: string;
  /** The internal VIP, as written. */
  readonly internalIp: string;
}

export interface ApiServer {
  /** false = private cluster: no public endpoint at all (authorized ranges are not supported, as on AKS). */
  readonly publicEndpoint: boolean;
  readonly vnetIntegration?: VnetIntegration;
}

export interface Cluster {
  readonly name: string;
  readonly apiServer: ApiServer;
  /** The cluster's outbound addresses: always allowed on the public endpoint. */
  readonly egressIpRanges: readonly string[];
  /** The access profile's list (empty = authorized ranges disabled). */
  readonly authorizedIpRanges: readonly string[];
}

export interface VpnGateway {
  readonly publicIp: string;
  /** Address pool of point-to-site clients. */
  readonly p2sClientPool?: string;
  /** On-premises networks behind site-to-site tunnels. */
  readonly s2sPrefixes?: readonly string[];
}

export interface Network {
  readonly name: string;
  readonly cidrs: readonly string[];
  /** How machines in this network reach the internet (NAT gateway, firewall, load balancer outbound IPs). */
  readonly egressIpRanges?: readonly string[];
  readonly vpnGateway?: VpnGateway;
}

export interface Peering {
  readonly from: string;
  readonly to: string;
  /** Set on the gateway side: "Use this virtual network's gateway or Route Server". */
  readonly allowGatewayTransit?: boolean;
  /** Set on the other side: "Use the remote virtual network's gateway or Route Server". */
  readonly useRemoteGateways?: boolean;
}

export type VpnKind = 'p2s' | 's2s';

export type ClientVia =
  | { readonly kind: 'internet' }
  | { readonly kind: 'network'; readonly network: string }
  /**
   * `forcedTunnel`: the client's internet traffic goes through the VPN too (a default route through the
   * gateway), so it reaches the public endpoint from the gateway network's egress addresses.
   */
  | { readonly kind: 'vpn'; readonly network: string; readonly vpn: VpnKind; readonly forcedTunnel: boolean };

/** What the client is meant to get: in (the default), or kept out (`expect: blocked`). */
export type Expectation = 'reachable' | 'blocked';

/** How the API server's name resolves for a client: its public endpoint, or the internal VIP. */
export type DnsMode = 'public' | 'internal';

export interface Client {
  readonly name: string;
  readonly via: ClientVia;
  readonly dns: DnsMode;
  /**
   * The public addresses the client connects from (internet and VPN clients): CIDRs, or references to
   * published range lists (`azure:AzureDevOps`) that a resolver turns into CIDRs.
   */
  readonly sourceIpRanges?: readonly string[];
  readonly expect: Expectation;
}

export interface Topology {
  readonly cluster: Cluster;
  readonly networks: readonly Network[];
  readonly peerings: readonly Peering[];
  readonly clients: readonly Client[];
}

/** A range together with the text it was written as. */
export interface NamedRange {
  readonly text: string;
  readonly range: Range;
}
