import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSource } from '../src/sources/parse.js';
import { expandProfile } from '../src/sources/expand.js';
import { planExport, TARGET_LIMITS, type ExportTarget } from '../src/sources/export-plan.js';
import { formatExport } from '../src/sources/export-format.js';
import { parseRange } from '../src/cidr/parse.js';
import { rangeLast, type Range } from '../src/cidr/types.js';
import { IpgateError } from '../src/errors.js';
import { fixture } from './sources-fixture-server.js';

const catalogues = [
  parseSource('azure-service-tags', 'azure', fixture('azure-service-tags.json')),
  parseSource('aws-ip-ranges', 'aws', fixture('aws-ip-ranges.json')),
  parseSource('github-meta', 'github', fixture('github-meta.json')),
  parseSource('text', 'office', fixture('office-ranges.txt')),
];

/** Merged [first, last] intervals per family. */
function intervals(ranges: readonly Range[]): Array<[number, bigint, bigint]> {
  const list = ranges.map((r): [number, bigint, bigint] => [r.family, r.network, rangeLast(r)])
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const out: Array<[number, bigint, bigint]> = [];
  for (const x of list) {
    const last = out.at(-1);
    if (last !== undefined && last[0] === x[0] && x[1] <= last[2] + 1n) last[2] = x[2] > last[2] ? x[2] : last[2];
    else out.push([...x]);
  }
  return out;
}

function covered(inner: readonly Range[], outer: readonly Range[]): boolean {
  const o = intervals(outer);
  return inner.every((r) => o.some(([f, a, b]) => f === r.family && a <= r.network && rangeLast(r) <= b));
}

function overlapsAny(a: readonly Range[], b: readonly Range[]): boolean {
  return a.some((x) => b.some((y) => x.family === y.family && x.network <= rangeLast(y) && y.network <= rangeLast(x)));
}

const profile = {
  authorizedIpRanges: ['73.140.245.0/24', 'AzureCloud.westeurope', 'aws:service=EC2,region=eu-west-1', 'github:hooks'],
  egressIpRanges: ['20.50.1.7/32'],
};

test('every target: cover, limit, IPv4 rules, egress handling', () => {
  const expanded = expandProfile(profile, catalogues);
  for (const target of ['aks', 'gke', 'eks', 'ipgate'] as ExportTarget[]) {
    const plan = planExport(expanded, { target });
    const limit = TARGET_LIMITS[target];
    if (limit !== undefined) assert.ok(plan.ranges.length <= limit, `${target}: ${plan.ranges.length}`);
    const wanted = expanded.authorized.concat(target === 'aks' ? [] : expanded.egress)
      .map((r) => r.range).filter((r) => target === 'ipgate' || r.family === 4);
    assert.ok(covered(wanted, plan.ranges), `${target}: every required address covered`);
    assert.equal(plan.egressIncluded, target !== 'aks');
    if (target === 'ipgate') {
      assert.equal(plan.extraAddresses, 0n);
      assert.ok(plan.ranges.some((r) => r.family === 6));
      assert.ok(covered(plan.ranges, wanted), 'ipgate: lossless');
    } else {
      assert.ok(plan.ranges.every((r) => r.family === 4));
      assert.ok(plan.warnings.some((w) => /dropped \d+ IPv6 prefix/.test(w)), `${target}: IPv6 drop reported`);
      assert.ok(plan.extraAddresses > 0n && plan.extraShare > 0);
    }
  }
  const aks = planExport(expanded, { target: 'aks' });
  assert.ok(aks.warnings.some((w) => /egress/.test(w)));
  assert.equal(covered([parseRange('20.50.1.7/32')], planExport(expanded, { target: 'eks' }).ranges), true);
});

test('--max and --exclude: limit honoured, no excluded address covered, conflicts refused', () => {
  const expanded = expandProfile(profile, catalogues);
  // Exclude the address just after a few gaps start in the required IPv4 set: condensing must route around them.
  const required = intervals(expanded.authorized.concat(expanded.egress).map((r) => r.range).filter((r) => r.family === 4));
  const exclude: Range[] = required.slice(0, -1).filter((_, i) => i % Math.floor(required.length / 6) === 3).map(([, , last]) => ({ family: 4, network: last + 1n, prefix: 32 }));
  assert.ok(exclude.length >= 5);
  const plan = planExport(expanded, { target: 'eks', max: 100, exclude });
  assert.ok(plan.ranges.length <= 100);
  assert.ok(plan.warnings.some((w) => /above the eks limit/.test(w)));
  // Without the exclusions the same budget covers some of those addresses: the exclusions did the work.
  assert.equal(overlapsAny(planExport(expanded, { target: 'eks', max: 100 }).ranges, exclude), true);
  assert.equal(overlapsAny(plan.ranges, exclude), false);
  assert.ok(covered(expanded.authorized.concat(expanded.egress).map((r) => r.range).filter((r) => r.family === 4), plan.ranges));
  // AKS never covers non-global blocks, even when condensing hard.
  const aks = planExport(expanded, { target: 'aks', max: 20 });
  assert.equal(overlapsAny(aks.ranges, [parseRange('10.0.0.0/8'), parseRange('127.0.0.0/8'), parseRange('224.0.0.0/4')]), false);
  const conflict = expandProfile({ authorizedIpRanges: ['73.140.245.0/24'], egressIpRanges: [] }, catalogues);
  assert.throws(() => planExport(conflict, { target: 'ipgate', exclude: [parseRange('73.140.245.128/25')] }), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_CONDENSE_CONFLICT');
});

test('AKS rules: explicit IPv6 and non-global entries are errors; egress-only and disabled profiles', () => {
  const code = (p: { authorizedIpRanges: string[]; egressIpRanges: string[] }, target: ExportTarget): string => {
    try {
      planExport(expandProfile(p, catalogues), { target });
    } catch (error) {
      assert.ok(error instanceof IpgateError);
      return error.code;
    }
    return 'ok';
  };
  assert.equal(code({ authorizedIpRanges: ['2001:db8::/32'], egressIpRanges: [] }, 'aks'), 'ERR_EXPORT_IPV6');
  assert.equal(code({ authorizedIpRanges: ['2001:db8::/32'], egressIpRanges: [] }, 'ipgate'), 'ok');
  assert.equal(code({ authorizedIpRanges: ['office:'], egressIpRanges: [] }, 'aks'), 'ERR_EXPORT_NOT_GLOBAL');
  assert.equal(code({ authorizedIpRanges: ['10.0.0.0/8'], egressIpRanges: [] }, 'aks'), 'ERR_EXPORT_NOT_GLOBAL');
  assert.equal(code({ authorizedIpRanges: [], egressIpRanges: ['20.50.1.7/32'] }, 'aks'), 'ERR_EXPORT_DISABLED');
  assert.equal(code({ authorizedIpRanges: ['azure:Nope'], egressIpRanges: [] }, 'ipgate'), 'ERR_SELECTOR_UNKNOWN');
  const egressOnly = expandProfile({ authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: ['20.50.1.7/32'] }, catalogues);
  assert.deepEqual(formatExport(planExport(egressOnly, { target: 'aks' }), 'lines'), '0.0.0.0/32\n');
  assert.deepEqual(formatExport(planExport(egressOnly, { target: 'gke' }), 'lines'), '20.50.1.7/32\n');
});

test('formats: az, gcloud, aws, terraform, json carry the same list', () => {
  const plan = planExport(expandProfile(profile, catalogues), { target: 'gke' });
  const lines = formatExport(plan, 'lines').trim().split('\n');
  const joined = lines.join(',');
  assert.equal(formatExport(plan, 'az').trim(), `az aks update --resource-group <RESOURCE_GROUP> --name <CLUSTER> --api-server-authorized-ip-ranges ${joined}`);
  assert.match(formatExport(plan, 'gcloud'), new RegExp(`^gcloud container clusters update .* --master-authorized-networks ${joined.replace(/\./g, '\\.')}\\n$`));
  assert.ok(formatExport(plan, 'aws').includes(`--resources-vpc-config 'endpointPublicAccess=true,publicAccessCidrs=${joined}'`));
  const tf = formatExport(plan, 'terraform');
  assert.deepEqual([...tf.matchAll(/^ {4}"([^"]+)",$/gm)].map((m) => m[1]), lines);
  const json = JSON.parse(formatExport(plan, 'json')) as { ranges: string[]; count: number; extraAddresses: string };
  assert.deepEqual(json.ranges, lines);
  assert.equal(json.count, lines.length);
  assert.equal(json.extraAddresses, plan.extraAddresses.toString());
});
