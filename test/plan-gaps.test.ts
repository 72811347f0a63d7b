/**
 * What the planner needed for the seed question: references resolved through range sources (--sources,
 * --config), forced tunnelling, clients meant to stay out (`expect: blocked`), private clusters (no list
 * proposed), and the example built from the question (examples/aks-vnet-vpn-devops.*), kept current.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRange } from '../src/cidr/format.js';
import { parseRange } from '../src/cidr/parse.js';
import { rangeLast } from '../src/cidr/types.js';
import { parseTopology } from '../src/planner/parse-topology.js';
import { allAsExpected, planTopology, type Plan } from '../src/planner/plan.js';
import { TopologyError } from '../src/planner/problems.js';
import { parseSource } from '../src/sources/parse.js';
import { select } from '../src/sources/select.js';
import { ipgate, tempFiles } from './helpers/offline-cli.js';
import { ROOT } from './helpers/ipgate.js';

const EXAMPLE = join(ROOT, 'examples', 'aks-vnet-vpn-devops.yaml');
const EXAMPLE_SOURCES = join(ROOT, 'examples', 'aks-vnet-vpn-devops.sources.yaml');
const AZURE_FIXTURE = join(ROOT, 'test', 'fixtures', 'sources', 'azure-service-tags.json');

function client(plan: Plan, name: string): Plan['clients'][number] {
  const found = plan.clients.find((c) => c.name === name);
  assert.ok(found !== undefined, name);
  return found;
}

const BASE = (clients: string, authorized = '[73.140.245.0/24]', extra = ''): string => `
cluster:
  name: c
  apiServer: { publicEndpoint: true, vnetIntegration: { network: aks-vnet, internalIp: 10.1.0.4 } }
  egressIpRanges: [20.50.1.7/32]
  authorizedIpRanges: ${authorized}
networks:
  - { name: aks-vnet, cidrs: [10.1.0.0/16] }
  - name: hub-vnet
    cidrs: [10.0.0.0/16]
${extra}    vpnGateway: { publicIp: 20.60.1.1, p2sClientPool: 172.16.201.0/24, s2sPrefixes: [192.168.0.0/16] }
peerings:
  - { from: hub-vnet, to: aks-vnet, allowGatewayTransit: true }
  - { from: aks-vnet, to: hub-vnet, useRemoteGateways: true }
clients:
${clients}
`;

test('forced tunnelling: the VPN client is seen as the hub network\'s egress, never as the gateway\'s public IP', () => {
  const yaml = BASE('  - { name: admins, via: { vpn: hub-vnet, kind: p2s, forcedTunnel: true } }\n  - { name: branch, via: { vpn: hub-vnet, kind: s2s, forcedTunnel: true } }',
    '[73.140.245.0/24, 20.60.1.1/32]', '    egressIpRanges: [20.60.1.9/32]\n');
  const plan = planTopology(parseTopology(yaml));
  const admins = client(plan, 'admins');
  assert.equal(admins.path, 'public');
  assert.deepEqual(admins.sources, ['20.60.1.9/32']);
  assert.equal(admins.verdict, 'blocked');
  assert.deepEqual(admins.blockers[0]?.add, ['20.60.1.9/32']);
  assert.match(admins.connects, /forced tunnel/);
  assert.equal(client(plan, 'branch').verdict, 'blocked');
  assert.deepEqual(plan.profile.proposed.ranges, ['20.60.1.9/32'], 'the hub\'s egress, not the gateway\'s public IP (which admits no one)');
  assert.ok(plan.profile.unused.some((f) => f.entry === '20.60.1.1/32' && /public IP of the VPN gateway/.test(f.message)));
  // Authorized: admitted, as any client of the hub network would be.
  const ok = planTopology(parseTopology(yaml.replace('[73.140.245.0/24, 20.60.1.1/32]', '[73.140.245.0/24, 20.60.1.9/32]')));
  assert.equal(client(ok, 'admins').verdict, 'reachable');
  assert.deepEqual(client(ok, 'admins').admittedBy, ['20.60.1.9/32 (authorized)']);
  // Without the hub's egress the source is unknown (undecidable, not "blocked from an unknown address").
  const unknown = planTopology(parseTopology(BASE('  - { name: admins, via: { vpn: hub-vnet, kind: p2s, forcedTunnel: true } }')));
  assert.equal(client(unknown, 'admins').verdict, 'unknown');
  assert.match(client(unknown, 'admins').blockers[0]?.fix ?? '', /set networks\[1\]\.egressIpRanges/);
  // Without forced tunnelling the same client comes from its own connection (unknown address): blocked.
  assert.equal(client(planTopology(parseTopology(BASE('  - { name: admins, via: { vpn: hub-vnet, kind: p2s } }'))), 'admins').verdict, 'blocked');
});

test('forcedTunnel is checked: vpn clients only, a boolean, and no sourceIpRanges beside it', () => {
  const problems = (clients: string): string[] => {
    try {
      parseTopology(BASE(clients));
      return [];
    } catch (error) {
      assert.ok(error instanceof TopologyError);
      return error.problems.map((p) => `${p.path}: ${p.code}`);
    }
  };
  assert.deepEqual(problems('  - { name: a, via: { network: hub-vnet, forcedTunnel: true } }'), ['clients[0].via.forcedTunnel: ERR_TOPOLOGY_VIA']);
  assert.deepEqual(problems('  - { name: a, via: { vpn: hub-vnet, kind: p2s, forcedTunnel: yes } }'), ['clients[0].via.forcedTunnel: ERR_TOPOLOGY_TYPE']);
  assert.deepEqual(problems('  - { name: a, via: { vpn: hub-vnet, kind: p2s, forcedTunnel: true }, sourceIpRanges: [20.1.2.3] }'), ['clients[0].sourceIpRanges: ERR_TOPOLOGY_SOURCES']);
  assert.deepEqual(problems('  - { name: a, via: { vpn: hub-vnet, kind: p2s, forcedTunel: true } }'), ['clients[0].via.forcedTunel: ERR_TOPOLOGY_UNKNOWN_KEY']);
  assert.deepEqual(problems('  - { name: a, via: internet, sourceIpRanges: [20.1.2.3], expect: denied }'), ['clients[0].expect: ERR_TOPOLOGY_VALUE']);
});

test('expect: blocked keeps a client out of the proposed list; one that gets in is flagged and the list narrowed', () => {
  const kept = planTopology(parseTopology(BASE(`  - { name: office, via: internet, sourceIpRanges: [73.140.245.0/24] }
  - { name: ci, via: internet, sourceIpRanges: [52.10.0.0/24] }
  - { name: scanner, via: internet, sourceIpRanges: [198.51.100.0/24], expect: blocked }`)));
  const scanner = client(kept, 'scanner');
  assert.equal(scanner.verdict, 'blocked');
  assert.equal(scanner.asExpected, true);
  assert.deepEqual(scanner.blockers, [], 'no fix offered to let it in');
  assert.deepEqual(kept.profile.proposed.ranges, ['52.10.0.0/24', '73.140.245.0/24'], 'the scanner is not added');
  assert.equal(allAsExpected(kept), false, 'ci is blocked');

  // A broad entry admits both a wanted client and one meant to stay out: flagged, and narrowed.
  const broad = planTopology(parseTopology(BASE(`  - { name: office, via: internet, sourceIpRanges: [198.51.7.0/24] }
  - { name: scanner, via: internet, sourceIpRanges: [198.51.100.0/24], expect: blocked }`, '[198.51.0.0/16]')));
  const inside = client(broad, 'scanner');
  assert.equal(inside.verdict, 'reachable');
  assert.equal(inside.asExpected, false);
  assert.equal(allAsExpected(broad), false);
  assert.deepEqual(broad.profile.admitsBlocked.map((f) => f.message), ['198.51.0.0/16 admits scanner, meant to stay out (expect: blocked)']);
  assert.deepEqual(broad.profile.unused, []);
  assert.deepEqual(broad.profile.proposed.ranges, ['198.51.7.0/24']);
  assert.ok(!broad.profile.notes.some((n) => /scanner is meant to stay out/.test(n)), 'the narrowed list keeps it out');

  // A client meant to stay out inside a wanted client's own range cannot be kept out: said so.
  const conflict = planTopology(parseTopology(BASE(`  - { name: office, via: internet, sourceIpRanges: [52.20.0.0/24] }
  - { name: guest-wifi, via: internet, sourceIpRanges: [52.20.0.200/32], expect: blocked }`, '[52.20.0.0/24]')));
  assert.deepEqual(conflict.profile.proposed.ranges, ['52.20.0.0/24']);
  assert.ok(conflict.profile.notes.some((n) => /guest-wifi is meant to stay out, but 52\.20\.0\.200\/32 of its addresses is inside the proposed list/.test(n)));

  // Over a limit, the condensed list never covers a client meant to stay out.
  const many = Array.from({ length: 60 }, (_, i) => `52.${10 + i * 2}.0.0/24`);
  const covers = (list: readonly string[] | undefined, r: ReturnType<typeof parseRange>): boolean =>
    (list ?? []).map(parseRange).some((c) => c.network <= r.network && rangeLast(r) <= rangeLast(c));
  const without = planTopology(parseTopology(BASE(`  - { name: agents, via: internet, sourceIpRanges: [${many.join(', ')}] }`)), { target: 'eks' });
  // A gap between two agent ranges that the cheapest 40-entry list covers...
  const gap = Array.from({ length: 59 }, (_, i) => `52.${11 + i * 2}.0.0/24`).find((g) => covers(without.profile.condensed?.ranges, parseRange(g)));
  assert.ok(gap !== undefined, 'the condensed list covers some gap');
  // ...is left uncovered once a client there is meant to stay out.
  const over = planTopology(parseTopology(BASE(`  - { name: agents, via: internet, sourceIpRanges: [${many.join(', ')}] }
  - { name: neighbour, via: internet, sourceIpRanges: [${gap}], expect: blocked }`)), { target: 'eks' });
  const condensed = over.profile.condensed;
  assert.ok(condensed !== undefined && condensed.ranges.length <= 40);
  assert.ok(!covers(condensed.ranges, parseRange(gap)), `the gap ${gap} of neighbour stays uncovered`);
  for (const needed of many) assert.ok(covers(condensed.ranges, parseRange(needed)), needed);
});

test('a private cluster: no list is proposed (not 0.0.0.0/32), ranges do not apply, use the private endpoint', () => {
  const yaml = BASE('  - { name: office, via: internet, sourceIpRanges: [73.140.245.0/24] }\n  - { name: admins, via: { vpn: hub-vnet, kind: p2s }, dns: internal }')
    .replace('publicEndpoint: true', 'publicEndpoint: false');
  const plan = planTopology(parseTopology(yaml));
  assert.deepEqual(plan.profile.proposed, { ranges: [], count: 0, changed: true, applies: false });
  assert.ok(plan.profile.notes.some((n) => /the cluster is private: authorized IP ranges are not supported on private clusters.*private endpoint/.test(n)));
  assert.deepEqual(plan.profile.unused, []);
  assert.equal(client(plan, 'office').blockers[0]?.code, 'NO_PUBLIC_ENDPOINT');
  assert.equal(client(plan, 'admins').verdict, 'reachable');
});

test('plan --sources / --config resolves references through the sources\' data, offline', async () => {
  const files = tempFiles({
    'topology.yaml': BASE(`  - { name: ci, via: internet, sourceIpRanges: ['azure:AzureDevOps'] }
  - { name: typo, via: internet, sourceIpRanges: ['azure:AzureDevOpz'] }`, '[73.140.245.0/24]'),
    'sources.yaml': `sources:\n  - { name: azure, type: azure-service-tags, file: ${AZURE_FIXTURE} }\n`,
    'ipgate.yaml': `profile: { authorizedIpRanges: [203.0.113.0/24] }\nsources:\n  - { name: azure, type: azure-service-tags, file: ${AZURE_FIXTURE} }\n`,
    'remote.yaml': 'sources:\n  - { name: azure, type: azure-service-tags, url: "https://download.example/ServiceTags_Public.json" }\n',
  });
  const ado = select(parseSource('azure-service-tags', 'azure', readFileSync(AZURE_FIXTURE, 'utf8')), 'AzureDevOps').filter((r) => r.family === 4).map(formatRange);
  for (const flag of [['--sources', files['sources.yaml'] ?? ''], ['--config', files['ipgate.yaml'] ?? '']]) {
    const run = await ipgate(['plan', files['topology.yaml'] ?? '', '--output', 'json', ...flag]);
    assert.equal(run.code, 1, run.stderr);
    const plan = JSON.parse(run.stdout) as Plan;
    const ci = client(plan, 'ci');
    assert.equal(ci.verdict, 'blocked');
    assert.deepEqual(ci.blockers[0]?.add, ado);
    assert.match(ci.sources[0] ?? '', /^azure:AzureDevOps \(24 IPv4 ranges; 2 IPv6 left out/);
    const typo = client(plan, 'typo');
    assert.equal(typo.verdict, 'unknown');
    assert.match(typo.blockers[0]?.message ?? '', /azure:AzureDevOpz could not be resolved \(.*did you mean "AzureDevOps"/);
    assert.deepEqual(plan.profile.proposed.ranges, [...ado, '73.140.245.0/24'].map(parseRange).sort((a, b) => (a.network < b.network ? -1 : 1)).map(formatRange));
  }
  // A URL source without a cached copy: said so, never guessed; nothing is downloaded.
  const remote = await ipgate(['plan', files['topology.yaml'] ?? '', '--output', 'json', '--sources', files['remote.yaml'] ?? '']);
  const ci = client(JSON.parse(remote.stdout) as Plan, 'ci');
  assert.equal(ci.verdict, 'unknown');
  assert.match(ci.blockers[0]?.message ?? '', /source "azure" has no data here/);
  const both = await ipgate(['plan', files['topology.yaml'] ?? '', '--sources', files['sources.yaml'] ?? '', '--config', files['ipgate.yaml'] ?? '']);
  assert.equal(both.code, 2);
  const badSources = tempFiles({ 's.yaml': 'sources:\n  - { name: azure, type: azure-service-tags, fil: ./x.json }\n' });
  const bad = await ipgate(['plan', files['topology.yaml'] ?? '', '--sources', badSources['s.yaml'] ?? '']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /sources\[0\]\.fil.*did you mean "file"/);
});

test('the example from the question is what ipgate plan prints, and it answers the question', async () => {
  const run = await ipgate(['plan', EXAMPLE, '--sources', EXAMPLE_SOURCES]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, readFileSync(join(ROOT, 'examples', 'aks-vnet-vpn-devops.txt'), 'utf8'),
    'examples/aks-vnet-vpn-devops.txt is stale: regenerate it with ipgate plan examples/aks-vnet-vpn-devops.yaml --sources examples/aks-vnet-vpn-devops.sources.yaml > examples/aks-vnet-vpn-devops.txt');
  const out = run.stdout;
  // The VPN admins need no range: the internal VIP, once gateway transit is on both peerings.
  assert.match(out, /^admins: BLOCKED\n.*\n {2}path: {8}internal VIP/m);
  assert.match(out, /set allowGatewayTransit: true on the peering from hub-vnet to aks-vnet/);
  assert.match(out, /set useRemoteGateways: true on the peering from aks-vnet to hub-vnet/);
  // What they entered admits nobody, each with the reason.
  assert.match(out, /10\.0\.0\.0\/16 admits no client in this topology: it is in the private address space of network hub-vnet/);
  assert.match(out, /172\.16\.201\.7\/32 admits no client in this topology: it is the point-to-site client pool/);
  assert.match(out, /20\.60\.1\.1\/32 admits no client in this topology: it holds the public IP of the VPN gateway/);
  // Even with forced tunnelling the source is the hub's egress.
  assert.match(out, /^admins-forced-tunnel: BLOCKED\n(?:.*\n){2} {2}seen as: {5}20\.60\.1\.9\/32/m);
  // The agents' ranges, resolved from Azure's file, over AKS's 200: the optimal list within it, and why no tag.
  assert.match(out, /seen as: {5}azure:AzureCloud\.westeurope \(408 IPv4 ranges/);
  assert.match(out, /AKS refuses service tags on a cluster with API server VNet integration/);
  assert.match(out, /over the AKS limit: the optimal 200-entry list admits \d+ extra addresses/);
  assert.match(out, /ipgate's own gateway has no entry limit/);
  assert.match(out, /^rest-of-internet: BLOCKED \(as expected\)$/m);
  // The full lists are in the JSON: 200 entries that never cover the rest of the internet's sample.
  const json = JSON.parse((await ipgate(['plan', EXAMPLE, '--sources', EXAMPLE_SOURCES, '--output', 'json'])).stdout) as Plan;
  assert.equal(json.profile.condensed?.ranges.length, 200);
  const sample = parseRange('198.51.100.0/24');
  assert.ok(!(json.profile.condensed?.ranges ?? []).map(parseRange).some((r) => r.network <= sample.network && rangeLast(sample) <= rangeLast(r)));
});
