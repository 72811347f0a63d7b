/**
 * `aws eks describe-cluster` -> profile. `cluster.resourcesVpcConfig.publicAccessCidrs` is the list of the
 * public endpoint; its default `0.0.0.0/0` means open (imported as a disabled profile, as in AKS's
 * semantics). `endpointPublicAccess: false`: no public endpoint, nothing to import (the private endpoint is
 * governed by the cluster security group, not by CIDRs). `endpointPrivateAccess: true`: traffic from inside
 * the VPC takes the private endpoint and is not subject to the list (warning).
 */
import type { IpgateError } from '../errors.js';
import {
  checkImported, noPublicEndpoint, record, shapeError, stringList, type ImportedProfile,
} from './cloud-import.js';

export function importEks(document: unknown, source: string): ImportedProfile {
  const fail = (problem: string): IpgateError => shapeError('eks', source, problem);
  const cluster = record(record(document)?.['cluster']);
  if (cluster === undefined) throw fail('no "cluster" object (the output of describe-cluster is {"cluster": {...}})');
  const name = cluster['name'];
  const vpc = record(cluster['resourcesVpcConfig']);
  if (typeof name !== 'string' || vpc === undefined) throw fail('cluster has no "name" and "resourcesVpcConfig"');
  if (vpc['endpointPublicAccess'] === false) {
    throw noPublicEndpoint(name, source, 'endpointPublicAccess is false; the private endpoint is governed by the cluster security group, not by publicAccessCidrs',
      'reach the API server on its private endpoint; in front of your own API server, serve ipgate on a private address');
  }
  const cidrs = stringList(vpc['publicAccessCidrs'], 'cluster.resourcesVpcConfig.publicAccessCidrs', fail);
  const warnings: string[] = [];
  if (vpc['endpointPrivateAccess'] === true) {
    warnings.push('endpointPrivateAccess: connections from inside the VPC take the private endpoint and are not subject to publicAccessCidrs; in ipgate, give that path its own listener with enforce: false');
  } else {
    warnings.push('endpointPrivateAccess is off: the nodes reach this public endpoint from their NAT gateway\'s addresses, which must stay admitted: add them (or k8s:nodes/ExternalIP with a kubernetes source) to egressIpRanges');
  }
  if (cidrs.length === 0 || cidrs.includes('0.0.0.0/0')) {
    warnings.unshift(`publicAccessCidrs is ${cidrs.length === 0 ? 'empty' : JSON.stringify(cidrs)} (EKS's default 0.0.0.0/0): the public endpoint is open to every address; imported as a disabled profile`);
    return checkImported({ provider: 'eks', cluster: name, state: 'disabled', authorizedIpRanges: [], egressIpRanges: [], warnings }, source);
  }
  return checkImported({ provider: 'eks', cluster: name, state: 'ranges', authorizedIpRanges: cidrs.map((range) => ({ range })), egressIpRanges: [], warnings }, source);
}
