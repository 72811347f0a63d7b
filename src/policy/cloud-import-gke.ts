/**
 * `gcloud container clusters describe --format json` -> profile. The list is
 * `masterAuthorizedNetworksConfig.cidrBlocks[].cidrBlock` (or, in newer output,
 * `controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig`), each `displayName` becoming the
 * entry's note. `enabled` false or missing: everyone may connect (a disabled profile). Enabled with no
 * blocks: nobody from outside (imported as `0.0.0.0/32`). GKE's authorized networks also govern the private
 * endpoint, so a cluster without a public endpoint (`privateClusterConfig.enablePrivateEndpoint`,
 * `enablePublicEndpoint: false`) is imported with a warning, not refused.
 */
import type { IpgateError } from '../errors.js';
import {
  checkImported, noPublicEndpoint, record, shapeError, type ImportedEntry, type ImportedProfile,
} from './cloud-import.js';

export function importGke(document: unknown, source: string): ImportedProfile {
  const fail = (problem: string): IpgateError => shapeError('gke', source, problem);
  const doc = record(document);
  if (doc === undefined) throw fail('expected a JSON object');
  const name = doc['name'];
  if (typeof name !== 'string' || (typeof doc['selfLink'] !== 'string' && typeof doc['endpoint'] !== 'string')) throw fail('no "name" and "endpoint"');
  const ip = record(record(doc['controlPlaneEndpointsConfig'])?.['ipEndpointsConfig']);
  const config = record(doc['masterAuthorizedNetworksConfig']) ?? record(ip?.['authorizedNetworksConfig']) ?? {};
  const privateEndpoint = record(doc['privateClusterConfig'])?.['enablePrivateEndpoint'] === true || ip?.['enablePublicEndpoint'] === false;
  const enabled = config['enabled'] === true;
  const blocks = config['cidrBlocks'] ?? [];
  if (!Array.isArray(blocks)) throw fail('masterAuthorizedNetworksConfig.cidrBlocks is not a list');
  const entries: ImportedEntry[] = blocks.map((block, i) => {
    const b = record(block);
    const cidr = b?.['cidrBlock'];
    if (typeof cidr !== 'string') throw fail(`masterAuthorizedNetworksConfig.cidrBlocks[${i}] has no cidrBlock`);
    const note = b?.['displayName'];
    return typeof note === 'string' && note !== '' ? { range: cidr, note } : { range: cidr };
  });
  const warnings: string[] = [];
  if (!enabled) {
    if (privateEndpoint) {
      throw noPublicEndpoint(name, source, 'only a private endpoint, and authorized networks are off',
        'reach the API server on its private endpoint; in front of your own API server, serve ipgate on a private address');
    }
    warnings.push('authorized networks are off on this cluster (masterAuthorizedNetworksConfig.enabled is not true): every address may connect; imported as a disabled profile');
    return checkImported({ provider: 'gke', cluster: name, state: 'disabled', authorizedIpRanges: [], egressIpRanges: [], warnings }, source);
  }
  if (privateEndpoint) {
    warnings.push('the cluster has no public endpoint: these networks limit who reaches its private endpoint; apply the profile to the listener your private clients use');
  }
  if (config['gcpPublicCidrsAccessEnabled'] === true) {
    warnings.push('gcpPublicCidrsAccessEnabled: GKE also admits Google Cloud\'s public addresses; to keep that, configure a gcp-cloud-json source and add its references (e.g. gcp:scope=europe-west1) to authorizedIpRanges');
  }
  if (entries.length === 0) {
    warnings.push('authorized networks are on with no network listed: nobody from outside may connect; imported as 0.0.0.0/32 (only egressIpRanges, empty here)');
    entries.push({ range: '0.0.0.0/32' });
  }
  warnings.push('GKE does not admit the cluster\'s own outbound addresses by itself; if the nodes reach this endpoint from public addresses, add them (or k8s:nodes/ExternalIP with a kubernetes source) to egressIpRanges');
  return checkImported({ provider: 'gke', cluster: name, state: 'ranges', authorizedIpRanges: entries, egressIpRanges: [], warnings }, source);
}
