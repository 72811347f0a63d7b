/**
 * What stands between a client and the API server, each with the change that removes it. `path` says which
 * way the blocker is on: the public endpoint, or the internal VIP (the way around authorized ranges).
 */
export type BlockerCode =
  | 'NO_PUBLIC_ENDPOINT' //  private cluster: the public path does not exist
  | 'RANGE_MISSING' //       the client's public source is not (fully) authorized
  | 'EGRESS_ONLY' //         the profile is 0.0.0.0/32: only the cluster's egress addresses may connect
  | 'SOURCE_UNKNOWN' //      the client's public source address is not known
  | 'SOURCE_UNRESOLVED' //   a source reference (azure:AzureDevOps) could not be resolved to ranges
  | 'NO_ROUTE' //            no network path to the internal VIP from where the client is
  | 'PEERING_MISSING' //     a peering direction is missing
  | 'PEERING_FLAG' //        a peering lacks allowGatewayTransit / useRemoteGateways
  | 'DNS_PUBLIC'; //         the API server name resolves to the public endpoint for this client

export interface Blocker {
  readonly code: BlockerCode;
  readonly path: 'public' | 'internal';
  readonly message: string;
  readonly fix: string;
  /** RANGE_MISSING / EGRESS_ONLY: the smallest entries to add, merged. */
  readonly add?: readonly string[];
  /** PEERING_MISSING / PEERING_FLAG: the peering (from, to) and the flag to set. */
  readonly peering?: { readonly from: string; readonly to: string; readonly flag?: 'allowGatewayTransit' | 'useRemoteGateways' };
}
