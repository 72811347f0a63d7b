import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from '../src/cidr/parse.js';
import { parseTopology } from '../src/planner/parse-topology.js';
import { allReachable, planTopology, type Plan } from '../src/planner/plan.js';
import type { ClientPlan } from '../src/planner/plan-client.js';

/** The topology of the question the planner answers; each test changes only what it is about. */
function seed(changes: { peerings?: string; admins?: string; cluster?: string; authorized?: string; publicEndpoint?: boolean } = {}): string {
  return `
cluster:
  name: aks-prod
  apiServer:
    publicEndpoint: ${String(changes.publicEndpoint ?? true)}
    vnetIntegration: { network: aks-vnet, internalIp: 10.1.0.4 }
  egressIpRanges: [20.50.1.7/32]
  authorizedIpRanges: ${changes.authorized ?? '[20.60.1.1/32, 10.0.0.0/16, 172.16.201.0/24, 73.140.245.0/24]'}
networks:
  - name: aks-vnet
    cidrs: [10.1.0.0/16]
  - name: hub-vnet
    cidrs: [10.0.0.0/16]
    egressIpRanges: [20.60.1.9/32]
    vpnGateway: { publicIp: 20.60.1.1, p2sClientPool: 172.16.201.0/24, s2sPrefixes: [192.168.0.0/16] }
peerings:
${changes.peerings ?? `  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: false }
  - { from: aks-vnet, to: hub-vnet, useRemoteGateways: false }`}
clients:
  - ${changes.admins ?? '{ name: admins, via: { vpn: hub-vnet, kind: p2s }, dns: public }'}
  - { name: ci-agents, via: internet, sourceIpRanges: [azure:AzureDevOps] }
  - { name: office, via: internet, sourceIpRanges: [73.140.245.0/24] }
  - { name: jumpbox, via: { network: aks-vnet }, dns: internal }
`;
}

function client(plan: Plan, name: string): ClientPlan {
  const c = plan.clients.find((x) => x.name === name);
  assert.ok(c, `client ${name} in plan`);
  return c;
}

function codes(c: ClientPlan): string[] {
  return c.blockers.map((b) => b.code);
}

test('seed question, as asked: the VPN admins are blocked, and the fix is the peering flags plus internal DNS', () => {
  const plan = planTopology(parseTopology(seed()));
  const admins = client(plan, 'admins');
  assert.equal(admins.path, 'public');
  assert.equal(admins.verdict, 'blocked');
  assert.deepEqual(codes(admins), ['SOURCE_UNKNOWN', 'PEERING_FLAG', 'PEERING_FLAG', 'DNS_PUBLIC']);
  const flags = admins.blockers.filter((b) => b.code === 'PEERING_FLAG').map((b) => b.peering);
  assert.deepEqual(flags, [
    { from: 'hub-vnet', to: 'aks-vnet', flag: 'allowGatewayTransit' },
    { from: 'aks-vnet', to: 'hub-vnet', flag: 'useRemoteGateways' },
  ]);
  assert.match(admins.blockers[3]?.fix ?? '', /10\.1\.0\.4/);
  // the office is admitted by its own entry, the jumpbox needs no entry at all
  assert.equal(client(plan, 'office').verdict, 'reachable');
  assert.deepEqual(client(plan, 'office').admittedBy, ['73.140.245.0/24 (authorized)']);
  assert.equal(client(plan, 'jumpbox').path, 'internal');
  assert.equal(client(plan, 'jumpbox').verdict, 'reachable');
  // the three entries the user added admit nobody; two of them are private
  assert.deepEqual(plan.profile.unused.map((f) => f.entry), ['20.60.1.1/32', '10.0.0.0/16', '172.16.201.0/24']);
  assert.match(plan.profile.unused[0]?.message ?? '', /public IP of the VPN gateway/);
  assert.match(plan.profile.unused[2]?.message ?? '', /point-to-site client pool/);
  assert.deepEqual(plan.profile.private.map((f) => f.entry), ['10.0.0.0/16', '172.16.201.0/24']);
  assert.deepEqual(plan.profile.proposed.ranges, ['73.140.245.0/24']);
  assert.equal(allReachable(plan), false);
});

test('seed question after the fixes: gateway transit on both peerings and internal DNS make the admins reachable', () => {
  const plan = planTopology(parseTopology(seed({
    peerings: `  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
  - { from: aks-vnet, to: hub-vnet, useRemoteGateways: true }`,
    admins: '{ name: admins, via: { vpn: hub-vnet, kind: p2s }, dns: internal }',
  })));
  const admins = client(plan, 'admins');
  assert.equal(admins.path, 'internal');
  assert.equal(admins.verdict, 'reachable');
  assert.deepEqual(admins.sources, ['172.16.201.0/24']);
  assert.deepEqual(admins.blockers, []);
});

test('only one fix is not enough: flags set but DNS still public, or DNS internal but one flag missing', () => {
  const flagsOnly = planTopology(parseTopology(seed({
    peerings: `  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
  - { from: aks-vnet, to: hub-vnet, useRemoteGateways: true }`,
  })));
  assert.equal(client(flagsOnly, 'admins').verdict, 'blocked');
  assert.deepEqual(codes(client(flagsOnly, 'admins')), ['SOURCE_UNKNOWN', 'DNS_PUBLIC']);

  const dnsOnly = planTopology(parseTopology(seed({
    peerings: `  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
  - { from: aks-vnet, to: hub-vnet }`,
    admins: '{ name: admins, via: { vpn: hub-vnet, kind: p2s }, dns: internal }',
  })));
  const admins = client(dnsOnly, 'admins');
  assert.equal(admins.path, 'internal');
  assert.equal(admins.verdict, 'blocked');
  assert.deepEqual(admins.blockers.map((b) => b.peering), [{ from: 'aks-vnet', to: 'hub-vnet', flag: 'useRemoteGateways' }]);
});

test('a missing peering direction is named, with the flag it needs', () => {
  const plan = planTopology(parseTopology(seed({
    peerings: '  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }',
    admins: '{ name: admins, via: { vpn: hub-vnet, kind: p2s }, dns: internal }',
  })));
  const b = client(plan, 'admins').blockers;
  assert.equal(b.length, 1);
  assert.equal(b[0]?.code, 'PEERING_MISSING');
  assert.deepEqual(b[0]?.peering, { from: 'aks-vnet', to: 'hub-vnet' });
  assert.match(b[0]?.fix ?? '', /useRemoteGateways: true/);
});

test('private cluster: no public endpoint, so internet clients are blocked; the internal VIP still works', () => {
  const plan = planTopology(parseTopology(seed({
    publicEndpoint: false,
    peerings: `  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
  - { from: aks-vnet, to: hub-vnet, useRemoteGateways: true }`,
  })));
  const office = client(plan, 'office');
  assert.equal(office.verdict, 'blocked');
  assert.deepEqual(codes(office), ['NO_PUBLIC_ENDPOINT']);
  const admins = client(plan, 'admins');
  assert.equal(admins.verdict, 'blocked');
  assert.deepEqual(codes(admins), ['NO_PUBLIC_ENDPOINT', 'DNS_PUBLIC']);
  assert.equal(client(plan, 'jumpbox').verdict, 'reachable');
  assert.ok(plan.profile.notes.some((n) => /not supported on private clusters/.test(n)));
});

test('site-to-site: on-premises prefixes reach the internal VIP through the hub only with gateway transit', () => {
  const s2s = '{ name: datacenter, via: { vpn: hub-vnet, kind: s2s }, dns: internal }';
  const before = planTopology(parseTopology(seed({ admins: s2s })));
  assert.equal(client(before, 'datacenter').verdict, 'blocked');
  assert.deepEqual(codes(client(before, 'datacenter')), ['PEERING_FLAG', 'PEERING_FLAG']);
  const after = planTopology(parseTopology(seed({
    admins: s2s,
    peerings: `  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
  - { from: aks-vnet, to: hub-vnet, useRemoteGateways: true }`,
  })));
  const dc = client(after, 'datacenter');
  assert.equal(dc.verdict, 'reachable');
  assert.deepEqual(dc.sources, ['192.168.0.0/16']);
  assert.deepEqual(dc.route, ['site-to-site VPN into hub-vnet', 'peering hub-vnet <-> aks-vnet with gateway transit', 'internal VIP 10.1.0.4 in aks-vnet']);
});

test('a client in a network with a NAT egress is seen as the NAT address; the fix adds exactly that', () => {
  const builders = '{ name: builders, via: { network: hub-vnet } }';
  const plan = planTopology(parseTopology(seed({ admins: builders })));
  const b = client(plan, 'builders');
  assert.equal(b.path, 'public');
  assert.deepEqual(b.sources, ['20.60.1.9/32']);
  assert.equal(b.verdict, 'blocked');
  assert.equal(b.blockers[0]?.code, 'RANGE_MISSING');
  assert.deepEqual(b.blockers[0]?.add, ['20.60.1.9/32']);
  // the hub's private range in the profile does not help it: it is seen from its NAT address
  assert.ok(plan.profile.proposed.ranges.includes('20.60.1.9/32'));
  assert.ok(!plan.profile.proposed.ranges.includes('10.0.0.0/16'));
  const fixed = planTopology(parseTopology(seed({ admins: builders, authorized: '[73.140.245.0/24, 20.60.1.9/32]' })));
  assert.equal(client(fixed, 'builders').verdict, 'reachable');
});

test('a partly authorized source: only the missing part is proposed, merged into the fewest entries', () => {
  const plan = planTopology(parseTopology(seed({
    admins: '{ name: partners, via: internet, sourceIpRanges: [73.140.244.0/23, 73.140.246.0/24, 73.140.247.0/24] }',
  })));
  const p = client(plan, 'partners');
  assert.equal(p.verdict, 'blocked');
  // 73.140.245.0/24 is authorized; 244, 246 and 247 are missing: 244/24 and 246/23
  assert.deepEqual(p.blockers[0]?.add, ['73.140.244.0/24', '73.140.246.0/23']);
});

test('0.0.0.0/32: only the egress addresses get in; the fix replaces the sentinel', () => {
  const plan = planTopology(parseTopology(seed({
    authorized: '[0.0.0.0/32]',
    admins: '{ name: nodes, via: internet, sourceIpRanges: [20.50.1.7/32] }',
  })));
  const nodes = client(plan, 'nodes');
  assert.equal(nodes.verdict, 'reachable');
  assert.deepEqual(nodes.admittedBy, ['20.50.1.7/32 (cluster egress, always admitted)']);
  const office = client(plan, 'office');
  assert.equal(office.verdict, 'blocked');
  assert.equal(office.blockers[0]?.code, 'EGRESS_ONLY');
  assert.match(office.blockers[0]?.fix ?? '', /replace 0\.0\.0\.0\/32 with 73\.140\.245\.0\/24/);
  assert.equal(plan.profile.state, 'egress-only');
  assert.deepEqual(plan.profile.proposed.ranges, ['73.140.245.0/24']);
});

test('disabled profile: everyone on the internet gets in, and the plan proposes a list that keeps them in', () => {
  const plan = planTopology(parseTopology(seed({ authorized: '[]' })));
  assert.equal(client(plan, 'office').verdict, 'reachable');
  assert.equal(client(plan, 'admins').verdict, 'reachable'); // even from an unknown address
  assert.equal(client(plan, 'ci-agents').verdict, 'reachable');
  assert.equal(plan.profile.state, 'disabled');
  assert.ok(plan.profile.notes.some((n) => /disabled/.test(n)));
  assert.deepEqual(plan.profile.proposed.ranges, ['73.140.245.0/24']);
});

test('an unresolved reference is unknown, never reachable; a resolver plugged in decides it', () => {
  const topology = parseTopology(seed());
  assert.equal(client(planTopology(topology), 'ci-agents').verdict, 'unknown');
  assert.deepEqual(codes(client(planTopology(topology), 'ci-agents')), ['SOURCE_UNRESOLVED']);
  const ado = ['13.107.6.0/24', '13.107.9.0/24', '73.140.245.0/24'].map(parseRange);
  const resolved = planTopology(topology, { resolve: (ref) => (ref.text === 'azure:AzureDevOps' ? { ranges: ado } : undefined) });
  const ci = client(resolved, 'ci-agents');
  assert.equal(ci.verdict, 'blocked');
  assert.deepEqual(ci.blockers[0]?.add, ['13.107.6.0/24', '13.107.9.0/24']);
  assert.deepEqual(resolved.profile.proposed.ranges, ['13.107.6.0/24', '13.107.9.0/24', '73.140.245.0/24']);
});

test('over the provider limit: the proposed list is condensed optimally within it, with its cost', () => {
  // 60 separate /24s: over GKE's 50 and EKS's 40, within AKS's 200
  const many = Array.from({ length: 60 }, (_, i) => `52.${10 + i * 2}.0.0/24`);
  const yaml = seed({ admins: `{ name: agents, via: internet, sourceIpRanges: [${many.join(', ')}] }`, authorized: '[73.140.245.0/24]' });
  const aks = planTopology(parseTopology(yaml), { target: 'aks' });
  assert.equal(aks.profile.proposed.count, 61);
  assert.equal(aks.profile.condensed, undefined);
  const eks = planTopology(parseTopology(yaml), { target: 'eks' });
  assert.equal(eks.profile.limit, 40);
  const condensed = eks.profile.condensed;
  assert.ok(condensed !== undefined);
  assert.ok(condensed.ranges.length <= 40);
  assert.ok(BigInt(condensed.extraAddresses) > 0n);
  // every needed range is still covered by the condensed list
  const cover = condensed.ranges.map(parseRange);
  for (const needed of [...many, '73.140.245.0/24'].map(parseRange)) {
    assert.ok(cover.some((c) => c.prefix <= needed.prefix && (needed.network >> BigInt(32 - c.prefix)) === (c.network >> BigInt(32 - c.prefix))), `covers ${needed.network}`);
  }
});

test('a network without egress information is unknown, with the key to set', () => {
  const plan = planTopology(parseTopology(seed({ admins: '{ name: nodes, via: { network: aks-vnet } }' })));
  const nodes = client(plan, 'nodes');
  assert.equal(nodes.verdict, 'unknown');
  assert.equal(nodes.blockers[0]?.code, 'SOURCE_UNKNOWN');
  assert.match(nodes.blockers[0]?.fix ?? '', /networks\[0\]\.egressIpRanges/);
  assert.equal(nodes.blockers[1]?.code, 'DNS_PUBLIC'); // it sits in the cluster network: internal DNS alone fixes it
  assert.equal(nodes.blockers.length, 2);
});

test('IPv6 sources are judged like IPv4 ones', () => {
  const plan = planTopology(parseTopology(seed({
    authorized: '[73.140.245.0/24, "2a01:111::/32"]',
    admins: '{ name: v6, via: internet, sourceIpRanges: ["2a01:111:f400::/48", "2a02:1::/64"] }',
  })));
  const v6 = client(plan, 'v6');
  assert.equal(v6.verdict, 'blocked');
  assert.deepEqual(v6.admittedBy, ['2a01:111::/32 (authorized)']);
  assert.deepEqual(v6.blockers[0]?.add, ['2a02:1::/64']);
});
