import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRange } from '../src/cidr/parse.js';
import { formatRange } from '../src/cidr/format.js';
import { rangeSize } from '../src/cidr/types.js';
import { coverage } from '../src/planner/coverage.js';
import { gatewayTransitBlockers, peeringBlockers } from '../src/planner/internal-route.js';
import { nonPublicBlock } from '../src/planner/private-ranges.js';
import { classifySource } from '../src/planner/sources.js';

test('coverage splits a source into exactly the covered and missing prefixes', () => {
  const c = coverage(parseRange('10.0.0.0/22'), ['10.0.1.0/24', '10.0.2.0/25'].map(parseRange));
  assert.deepEqual(c.covered.map(formatRange), ['10.0.1.0/24', '10.0.2.0/25']);
  assert.deepEqual(c.missing.map(formatRange), ['10.0.0.0/24', '10.0.2.128/25', '10.0.3.0/24']);
  assert.deepEqual(coverage(parseRange('10.0.0.0/24'), [parseRange('10.0.0.0/8')]).missing, []);
});

test('coverage: covered and missing partition the source (property)', () => {
  const arbRange = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 16, max: 32 }))
    .map(([hi, prefix]) => {
      const value = BigInt(hi) << 16n;
      const mask = ((1n << BigInt(32 - prefix)) - 1n);
      return { family: 4 as const, network: (value | 0xabcn) & ~mask & 0xffffffffn, prefix };
    });
  fc.assert(fc.property(arbRange, fc.array(arbRange, { maxLength: 6 }), (source, allowed) => {
    const c = coverage(source, allowed);
    const total = [...c.covered, ...c.missing].reduce((s, r) => s + rangeSize(r), 0n);
    assert.equal(total, rangeSize(source));
    const probe = (x: bigint): boolean => allowed.some((a) => (x >> BigInt(32 - a.prefix)) === (a.network >> BigInt(32 - a.prefix)));
    for (const r of c.covered) assert.ok(probe(r.network) && probe(r.network + rangeSize(r) - 1n));
    for (const r of c.missing) assert.ok(!probe(r.network) && !probe(r.network + rangeSize(r) - 1n));
  }), { numRuns: 200 });
});

test('peering needs both directions; gateway transit needs both flags on the right sides', () => {
  assert.deepEqual(peeringBlockers([{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }], 'a', 'b'), []);
  assert.deepEqual(peeringBlockers([{ from: 'a', to: 'b' }], 'a', 'b').map((b) => b.peering), [{ from: 'b', to: 'a' }]);
  const ok = [{ from: 'hub', to: 'aks', allowGatewayTransit: true }, { from: 'aks', to: 'hub', useRemoteGateways: true }];
  assert.deepEqual(gatewayTransitBlockers(ok, 'hub', 'aks'), []);
  // flags on the wrong sides do not count
  const swapped = [{ from: 'hub', to: 'aks', useRemoteGateways: true }, { from: 'aks', to: 'hub', allowGatewayTransit: true }];
  assert.deepEqual(gatewayTransitBlockers(swapped, 'hub', 'aks').map((b) => b.peering?.flag), ['allowGatewayTransit', 'useRemoteGateways']);
});

test('private and special ranges are recognized; public ones are not', () => {
  assert.match(nonPublicBlock(parseRange('10.0.0.0/16')) ?? '', /RFC 1918/);
  assert.match(nonPublicBlock(parseRange('100.64.1.0/24')) ?? '', /carrier-grade NAT/);
  assert.match(nonPublicBlock(parseRange('fd00::/8')) ?? '', /unique local/);
  assert.equal(nonPublicBlock(parseRange('73.140.245.0/24')), undefined);
  assert.equal(nonPublicBlock(parseRange('2a01:111::/32')), undefined);
});

test('source entries: CIDRs, references, and bad CIDRs with the parser\'s suggestion', () => {
  assert.equal(classifySource('2001:db8::/32').kind, 'range');
  assert.equal(classifySource('fe80::1').kind, 'range');
  const ref = classifySource('azure:AzureDevOps');
  assert.equal(ref.kind, 'reference');
  assert.deepEqual(ref.kind === 'reference' ? [ref.reference.provider, ref.reference.name] : [], ['azure', 'AzureDevOps']);
  assert.throws(() => classifySource('10.0.0.1/24'), (e: unknown) => (e as { suggestion?: string }).suggestion === '10.0.0.0/24');
  assert.throws(() => classifySource('AzureDevOps'), (e: unknown) => (e as { code?: string }).code !== undefined);
});
