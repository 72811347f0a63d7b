/**
 * `az aks show` -> profile. `apiServerAccessProfile.authorizedIpRanges` is the list (null, [] or a missing
 * apiServerAccessProfile: the feature is off, everyone may connect); `0.0.0.0/32` (only the cluster's
 * outbound IPs) and one service tag (`AzureCloud`) carry over as written. What AKS adds by itself does not
 * appear in the JSON as addresses: the outbound IPs are resource ids only (warning: list them, or discover
 * them, in egressIpRanges). `enablePrivateCluster`: no public endpoint, nothing to import.
 * `enableVnetIntegration`: the internal VIP is not subject to the ranges (warning: give ipgate an
 * unenforced internal listener for that path).
 */
import type { IpgateError } from '../errors.js';
import {
  checkImported, noPublicEndpoint, record, shapeError, stringList, type ImportedEntry, type ImportedProfile,
} from './cloud-import.js';

function outboundIds(network: Record<string, unknown> | undefined): string[] {
  const ids: string[] = [];
  for (const profile of ['loadBalancerProfile', 'natGatewayProfile']) {
    const list = record(network?.[profile])?.['effectiveOutboundIPs'];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const id = record(item)?.['id'];
      if (typeof id === 'string') ids.push(id);
    }
  }
  return ids;
}

export function importAks(document: unknown, source: string): ImportedProfile {
  const fail = (problem: string): IpgateError => shapeError('aks', source, problem);
  const doc = record(document);
  if (doc === undefined) throw fail('expected a JSON object');
  const name = doc['name'];
  if (typeof name !== 'string' || doc['type'] !== 'Microsoft.ContainerService/ManagedClusters') {
    throw fail('no "name" and "type": "Microsoft.ContainerService/ManagedClusters"');
  }
  const access = record(doc['apiServerAccessProfile']);
  if (doc['apiServerAccessProfile'] !== undefined && doc['apiServerAccessProfile'] !== null && access === undefined) throw fail('apiServerAccessProfile is not an object');
  if (access?.['enablePrivateCluster'] === true) {
    throw noPublicEndpoint(name, source, 'enablePrivateCluster is true; AKS does not support authorized IP ranges on private clusters',
      'reach the API server on its private endpoint; in front of your own API server, serve ipgate on a private address with an unenforced listener (enforce: false) instead of a public one');
  }
  const ranges = stringList(access?.['authorizedIpRanges'], 'apiServerAccessProfile.authorizedIpRanges', fail);
  const warnings: string[] = [];
  const network = record(doc['networkProfile']);
  const outbound = outboundIds(network);
  if (ranges.length === 0) {
    warnings.push('authorized IP ranges are off on this cluster (apiServerAccessProfile.authorizedIpRanges is empty): every address may connect; imported as a disabled profile');
  } else {
    const type = typeof network?.['outboundType'] === 'string' ? ` (outboundType ${String(network['outboundType'])})` : '';
    warnings.push(`AKS admits the cluster's outbound IPs by itself${type}; the JSON names ${outbound.length === 0 ? 'none of them' : `only their resource ids (${outbound.map((id) => id.slice(id.lastIndexOf('/') + 1)).join(', ')})`}. `
      + 'Put their addresses in egressIpRanges (az network public-ip show --ids ID --query ipAddress -o tsv), or discover them with a kubernetes source (k8s:services/LoadBalancer, k8s:nodes/ExternalIP)');
  }
  const pools = Array.isArray(doc['agentPoolProfiles']) ? doc['agentPoolProfiles'].map(record) : [];
  for (const pool of pools) {
    if (pool?.['enableNodePublicIp'] === true && ranges.length > 0) {
      warnings.push(`node pool ${String(pool['name'])} gives its nodes public IPs${typeof pool['nodePublicIpPrefixId'] === 'string' ? ` (prefix ${pool['nodePublicIpPrefixId'].slice(pool['nodePublicIpPrefixId'].lastIndexOf('/') + 1)})` : ''}: admit them with k8s:nodes/ExternalIP in egressIpRanges`);
    }
  }
  if (ranges.length === 1 && ranges[0] === '0.0.0.0/32') {
    warnings.push('the list is 0.0.0.0/32 (only the cluster\'s outbound IPs): until egressIpRanges holds them, the imported profile admits no one');
  }
  const tags = ranges.filter((r) => /^[A-Z]/.test(r));
  for (const tag of tags) warnings.push(`${tag} is a service tag: the gateway resolves it with an azure-service-tags source (docs/sources.md); without one it is refused`);
  if (access?.['enableVnetIntegration'] === true) {
    warnings.push('API server VNet integration is on: connections through the internal VIP are not subject to the ranges; in ipgate, give that path its own listener with enforce: false');
  }
  const entries: ImportedEntry[] = ranges.map((range) => ({ range }));
  return checkImported({ provider: 'aks', cluster: name, state: ranges.length === 0 ? 'disabled' : 'ranges', authorizedIpRanges: entries, egressIpRanges: [], warnings }, source);
}
