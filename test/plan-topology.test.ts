import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTopology } from '../src/planner/parse-topology.js';
import { TopologyError, type TopologyProblem } from '../src/planner/problems.js';

function problems(yaml: string): TopologyProblem[] {
  try {
    parseTopology(yaml, 'bad.yaml');
  } catch (error) {
    assert.ok(error instanceof TopologyError);
    assert.equal(error.code, 'ERR_TOPOLOGY_INVALID');
    return [...error.problems];
  }
  assert.fail('expected a TopologyError');
}

const GOOD = `
cluster:
  name: c
  apiServer: { publicEndpoint: true, vnetIntegration: { network: aks-vnet, internalIp: 10.1.0.4 } }
  egressIpRanges: [20.50.1.7/32]
  authorizedIpRanges: [73.140.245.0/24]
networks:
  - { name: aks-vnet, cidrs: [10.1.0.0/16] }
  - { name: hub-vnet, cidrs: [10.0.0.0/16], vpnGateway: { publicIp: 20.60.1.1, p2sClientPool: 172.16.201.0/24 } }
peerings:
  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
clients:
  - { name: admins, via: { vpn: hub-vnet, kind: p2s }, dns: internal }
`;

test('a valid topology parses, with defaults filled in', () => {
  const t = parseTopology(GOOD);
  assert.equal(t.clients[0]?.dns, 'internal');
  assert.deepEqual(t.clients[0]?.via, { kind: 'vpn', network: 'hub-vnet', vpn: 'p2s', forcedTunnel: false });
  assert.equal(t.clients[0]?.expect, 'reachable');
  assert.deepEqual(t.peerings, [{ from: 'hub-vnet', to: 'aks-vnet', allowGatewayTransit: true }]);
});

test('every problem is reported at once, each with its key path', () => {
  const found = problems(`
cluster:
  name: c
  apiServer: { publicEndpoint: true, vnetIntegration: { network: aks-vnett, internalIp: 10.1.0.4 } }
  egressIpRanges: [20.50.1.7/32]
  authorizedIpRanges: [137.117.106.90/29]
networks:
  - { name: aks-vnet, cidrs: [10.1.0.0/16] }
  - { name: hub-vnet, cidrs: [10.1.128.0/17], vpnGateway: { publicIp: 20.60.1.1 } }
peerings:
  - { from: hub-vnet, to: spoke, allowGatewayTransit: true }
clients:
  - { name: admins, via: { vpn: hub-vnet, kind: p2s } }
  - { name: ci, via: { vpn: hubvnet, kind: p2s } }
  - { name: lost }
  - { name: office, via: internet, sourceIpRanges: [73.140.245.7/24], colour: blue }
`);
  const byPath = new Map(found.map((p) => [p.path, p]));
  assert.equal(byPath.get('cluster.apiServer.vnetIntegration.network')?.code, 'ERR_TOPOLOGY_UNKNOWN_NETWORK');
  assert.equal(byPath.get('cluster.apiServer.vnetIntegration.network')?.suggestion, 'aks-vnet');
  assert.equal(byPath.get('cluster.authorizedIpRanges[0]')?.suggestion, '137.117.106.88/29');
  assert.equal(byPath.get('networks[1].cidrs[0]')?.code, 'ERR_TOPOLOGY_OVERLAP');
  assert.equal(byPath.get('peerings[0].to')?.code, 'ERR_TOPOLOGY_UNKNOWN_NETWORK');
  assert.equal(byPath.get('clients[0].via.kind')?.code, 'ERR_TOPOLOGY_NO_GATEWAY'); // no P2S pool on that gateway
  assert.equal(byPath.get('clients[1].via.vpn')?.code, 'ERR_TOPOLOGY_UNKNOWN_NETWORK');
  assert.equal(byPath.get('clients[1].via.vpn')?.suggestion, 'hub-vnet');
  assert.equal(byPath.get('clients[2].via')?.code, 'ERR_TOPOLOGY_NO_NETWORK');
  assert.equal(byPath.get('clients[3].sourceIpRanges[0]')?.suggestion, '73.140.245.0/24');
  assert.equal(byPath.get('clients[3].colour')?.code, 'ERR_TOPOLOGY_UNKNOWN_KEY');
  assert.equal(found.length, 10, JSON.stringify(found, null, 1));
});

test('unknown keys get the closest known key as the suggestion', () => {
  const found = problems(GOOD.replace('publicEndpoint: true', 'publicEndpont: true'));
  const unknown = found.find((p) => p.code === 'ERR_TOPOLOGY_UNKNOWN_KEY');
  assert.equal(unknown?.path, 'cluster.apiServer.publicEndpont');
  assert.equal(unknown?.suggestion, 'publicEndpoint');
  assert.ok(found.some((p) => p.path === 'cluster.apiServer.publicEndpoint' && p.code === 'ERR_TOPOLOGY_MISSING_KEY'));
});

test('overlapping address spaces: network CIDRs and VPN pools', () => {
  const found = problems(GOOD.replace('p2sClientPool: 172.16.201.0/24', 'p2sClientPool: 10.1.200.0/24'));
  assert.deepEqual(found.map((p) => [p.path, p.code]), [['networks[1].vpnGateway.p2sClientPool', 'ERR_TOPOLOGY_OVERLAP']]);
  assert.match(found[0]?.message ?? '', /overlaps 10\.1\.0\.0\/16 \(network aks-vnet/);
});

test('meaning checks: internal IP outside the cluster network, internal DNS without an internal VIP, sources on a network client', () => {
  const outside = problems(GOOD.replace('internalIp: 10.1.0.4', 'internalIp: 10.9.0.4'));
  assert.deepEqual(outside.map((p) => p.path), ['cluster.apiServer.vnetIntegration.internalIp']);
  const noVip = problems(GOOD.replace(', vnetIntegration: { network: aks-vnet, internalIp: 10.1.0.4 }', ''));
  assert.deepEqual(noVip.map((p) => [p.path, p.code]), [['clients[0].dns', 'ERR_TOPOLOGY_DNS']]);
  const netSources = problems(GOOD.replace('via: { vpn: hub-vnet, kind: p2s }', 'via: { network: hub-vnet }, sourceIpRanges: [1.2.3.4]'));
  assert.deepEqual(netSources.map((p) => p.path), ['clients[0].sourceIpRanges']);
});

test('duplicate names, self peering, YAML syntax errors and a non-object document', () => {
  const dup = problems(GOOD.replace('- { name: hub-vnet, cidrs: [10.0.0.0/16]', '- { name: aks-vnet, cidrs: [10.0.0.0/16]'));
  assert.ok(dup.some((p) => p.path === 'networks[1].name' && p.code === 'ERR_TOPOLOGY_DUPLICATE_NAME'));
  const self = problems(GOOD.replace('from: hub-vnet, to: aks-vnet', 'from: aks-vnet, to: aks-vnet'));
  assert.ok(self.some((p) => p.code === 'ERR_TOPOLOGY_SELF_PEERING'));
  assert.equal(problems('cluster: [\n')[0]?.code, 'ERR_TOPOLOGY_YAML');
  assert.equal(problems('42')[0]?.code, 'ERR_TOPOLOGY_TYPE');
});
