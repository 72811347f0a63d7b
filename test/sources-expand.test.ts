import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSource } from '../src/sources/parse.js';
import { expandProfile, toConcreteProfile } from '../src/sources/expand.js';
import { parseReference, resolveReference } from '../src/sources/reference.js';
import { select } from '../src/sources/select.js';
import { closeMatches } from '../src/text/suggest.js';
import { formatRange } from '../src/cidr/format.js';
import { IpgateError } from '../src/errors.js';
import { fixture } from './sources-fixture-server.js';

const catalogues = [
  parseSource('azure-service-tags', 'azure', fixture('azure-service-tags.json')),
  parseSource('aws-ip-ranges', 'aws', fixture('aws-ip-ranges.json')),
  parseSource('gcp-cloud-json', 'gcp', fixture('gcp-cloud.json')),
  parseSource('github-meta', 'github', fixture('github-meta.json')),
  parseSource('text', 'office', fixture('office-ranges.txt')),
];
const [azure, aws, , github] = catalogues;

function thrown(fn: () => unknown): IpgateError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof IpgateError);
    return error;
  }
  assert.fail('expected an error');
}

test('references are told apart from ranges (IPv6 with letters stays a range)', () => {
  assert.equal(parseReference('fe80::/10'), undefined);
  assert.equal(parseReference('abcd::1'), undefined);
  assert.equal(parseReference('10.0.0.0/8'), undefined);
  assert.deepEqual(parseReference('aws:service=EC2,region=eu-west-1'), { kind: 'reference', source: 'aws', selector: 'service=EC2,region=eu-west-1' });
  assert.deepEqual(parseReference('office:'), { kind: 'reference', source: 'office', selector: '' });
  assert.deepEqual(parseReference('AzureCloud.westeurope'), { kind: 'tag', selector: 'AzureCloud.westeurope' });
  assert.equal(parseReference('10.0.0.1/24'), undefined); // a broken range is not a reference
});

test('expandProfile resolves every reference kind and remembers who admitted each prefix', () => {
  const profile = {
    authorizedIpRanges: ['73.140.245.0/24', 'azure:AzureDevOps', 'AzureCloud.westeurope', 'aws:service=EC2,region=eu-west-1', 'gcp:scope=europe-west1', 'github:hooks', 'office:'],
    egressIpRanges: ['20.50.1.7/32'],
  };
  const out = expandProfile(profile, catalogues);
  assert.deepEqual(out.problems, []);
  const fromOf = (entry: string): string[] => out.authorized.filter((r) => r.from === entry).map((r) => r.cidr).sort();
  assert.deepEqual(fromOf('73.140.245.0/24'), ['73.140.245.0/24']);
  assert.ok(azure && aws && github);
  assert.deepEqual(fromOf('AzureCloud.westeurope'), select(azure, 'AzureCloud.westeurope').map(formatRange).sort());
  assert.deepEqual(fromOf('aws:service=EC2,region=eu-west-1'), select(aws, 'service=EC2,region=eu-west-1').map(formatRange).sort());
  assert.deepEqual(fromOf('github:hooks'), select(github, 'hooks').map(formatRange).sort());
  assert.ok(out.authorized.filter((r) => r.from === 'AzureCloud.westeurope').every((r) => r.source === 'azure'));
  assert.equal(out.authorized.find((r) => r.from === '73.140.245.0/24')?.source, undefined);
  assert.deepEqual(out.egress.map((r) => r.cidr), ['20.50.1.7/32']);
  const refs = out.references.map((r) => [r.entry, r.source]);
  assert.deepEqual(refs.map((r) => r[1]), ['azure', 'azure', 'aws', 'gcp', 'github', 'office']);
  const concrete = toConcreteProfile(out);
  assert.equal(new Set(concrete.authorizedIpRanges).size, concrete.authorizedIpRanges.length);
});

test('unknown sources and selectors list close matches', () => {
  const e1 = thrown(() => resolveReference({ kind: 'reference', source: 'azrue', selector: 'AzureCloud' }, catalogues, 'azrue:AzureCloud'));
  assert.equal(e1.code, 'ERR_SOURCE_UNKNOWN');
  assert.match(e1.message, /did you mean "azure"/);
  assert.equal(e1.suggestion, 'azure:AzureCloud');
  const e2 = thrown(() => resolveReference({ kind: 'tag', selector: 'AzureCloud.westeuropa' }, catalogues, 'AzureCloud.westeuropa'));
  assert.equal(e2.code, 'ERR_SELECTOR_UNKNOWN');
  assert.match(e2.message, /"AzureCloud\.westeurope"/);
  const e3 = thrown(() => resolveReference({ kind: 'reference', source: 'aws', selector: 'service=EC2,region=eu-wset-1' }, catalogues, 'x'));
  assert.match(e3.message, /region=eu-west-1/);
  const e4 = thrown(() => resolveReference({ kind: 'reference', source: 'aws', selector: 'EC2' }, catalogues, 'aws:EC2'));
  assert.match(e4.message, /service=EC2/);
  const e5 = thrown(() => resolveReference({ kind: 'reference', source: 'github', selector: 'action' }, catalogues, 'github:action'));
  assert.match(e5.message, /"actions"/);
  const e6 = thrown(() => resolveReference({ kind: 'tag', selector: 'AzureCloud' }, catalogues.slice(1), 'AzureCloud'));
  assert.equal(e6.code, 'ERR_SERVICE_TAG_NO_SOURCE');
  assert.match(e6.suggestion ?? '', /type: azure-service-tags/);
  assert.deepEqual(closeMatches('hoks', ['hooks', 'web', 'actions']), ['hooks']);
});

test('problems never turn into an empty (allow-all) list silently', () => {
  const out = expandProfile({ authorizedIpRanges: ['azure:NoSuchTag', 'aws:service=EC2,region=us-east-1,network_border_group=eu-west-1', 'nope:x', '10.0.0.1/24'], egressIpRanges: [] }, catalogues);
  assert.deepEqual(out.authorized, []);
  assert.deepEqual(out.problems.map((p) => p.code), ['ERR_SELECTOR_UNKNOWN', 'ERR_REFERENCE_EMPTY', 'ERR_SOURCE_UNKNOWN', 'ERR_HOST_BITS']);
  assert.ok(out.problems.every((p) => p.severity === 'error' && p.field === 'authorizedIpRanges'));
  assert.deepEqual(out.problems.map((p) => p.index), [0, 1, 2, 3]);
  const pending = expandProfile({ authorizedIpRanges: ['later:x'], egressIpRanges: [] }, catalogues, { unavailable: ['later'] });
  assert.equal(pending.problems[0]?.code, 'ERR_SOURCE_UNAVAILABLE');
});
