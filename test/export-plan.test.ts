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
    // aks: the one service tag is passed through as a tag by default; here every target covers prefixes.
    const plan = planExport(expanded, { target, expandTags: target === 'aks' });
    assert.equal(plan.serviceTag, undefined);
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
  const aks = planExport(expanded, { target: 'aks', expandTags: true });
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

test('aks: the one service tag is passed through as a tag (one entry), unless --expand-tags; never with VNet integration', () => {
  const expanded = expandProfile(profile, catalogues);
  const passed = planExport(expanded, { target: 'aks' });
  assert.equal(passed.serviceTag, 'AzureCloud.westeurope');
  assert.ok(passed.ranges.length <= 199, 'the tag takes one of the 200 entries');
  const tagRanges = expanded.authorized.filter((r) => r.from === 'AzureCloud.westeurope' && r.range.family === 4).map((r) => r.range);
  const others = expanded.authorized.filter((r) => r.from !== 'AzureCloud.westeurope' && r.range.family === 4).map((r) => r.range);
  assert.ok(covered(others, passed.ranges), 'every other entry still covered');
  const lines = formatExport(passed, 'lines').trim().split('\n');
  assert.equal(lines[0], 'AzureCloud.westeurope');
  assert.match(formatExport(passed, 'az'), /--api-server-authorized-ip-ranges AzureCloud\.westeurope,/);
  assert.equal((JSON.parse(formatExport(passed, 'json')) as { serviceTag: string }).serviceTag, 'AzureCloud.westeurope');
  // Expanded: the tag's prefixes are covered like any others.
  const expandedPlan = planExport(expanded, { target: 'aks', expandTags: true });
  assert.ok(covered(tagRanges, expandedPlan.ranges));
  assert.ok(!covered(tagRanges, passed.ranges), 'passed through, the tag\'s prefixes are not spent on entries');
  // VNet integration: AKS refuses tags, so passing one is an error that says how to expand it.
  assert.throws(() => planExport(expanded, { target: 'aks', vnetIntegration: true }),
    (e: unknown) => e instanceof IpgateError && e.code === 'ERR_AKS_SERVICE_TAG_VNET' && /--expand-tags/.test(e.suggestion ?? ''));
  assert.equal(planExport(expanded, { target: 'aks', vnetIntegration: true, expandTags: true }).serviceTag, undefined);
  // A reference naming a tag counts as the tag; two tags are both expanded (AKS takes one).
  const byReference = planExport(expandProfile({ authorizedIpRanges: ['azure:AzureDevOps', '73.140.245.0/24'], egressIpRanges: [] }, catalogues), { target: 'aks' });
  assert.equal(byReference.serviceTag, 'AzureDevOps');
  assert.deepEqual(formatExport(byReference, 'lines'), 'AzureDevOps\n73.140.245.0/24\n');
  const two = planExport(expandProfile({ authorizedIpRanges: ['AzureDevOps', 'azure:AzureCloud.northeurope'], egressIpRanges: [] }, catalogues), { target: 'aks' });
  assert.equal(two.serviceTag, undefined);
  assert.ok(two.warnings.some((w) => /AKS accepts one service tag; the 2 tags/.test(w)));
  // Other targets have no Azure tags: always prefixes.
  assert.equal(planExport(expanded, { target: 'gke' }).serviceTag, undefined);
  // An attribute selector is not a tag.
  assert.equal(planExport(expandProfile({ authorizedIpRanges: ['azure:region=westeurope'], egressIpRanges: [] }, catalogues), { target: 'aks', max: 200 }).serviceTag, undefined);
});
