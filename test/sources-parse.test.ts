import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSource } from '../src/sources/parse.js';
import { select, listSelectors } from '../src/sources/select.js';
import { formatRange } from '../src/cidr/format.js';
import { IpgateError } from '../src/errors.js';
import { fixture } from './sources-fixture-server.js';

const azureText = fixture('azure-service-tags.json');
const awsText = fixture('aws-ip-ranges.json');
const gcpText = fixture('gcp-cloud.json');
const githubText = fixture('github-meta.json');

interface AzureFile { values: Array<{ name: string; properties: { region: string; systemService: string; addressPrefixes: string[] } }> }
interface AwsFile { prefixes: Array<{ ip_prefix: string; service: string; region: string; network_border_group: string }>; ipv6_prefixes: Array<{ ipv6_prefix: string; service: string; region: string }> }
interface GcpFile { prefixes: Array<{ ipv4Prefix?: string; ipv6Prefix?: string; scope: string; service: string }> }

const sorted = (list: string[]): string[] => [...new Set(list)].sort();
const cidrs = (ranges: ReturnType<typeof select>): string[] => sorted(ranges.map(formatRange));

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof IpgateError, `expected IpgateError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected an error');
}

test('azure: tag names select exactly their addressPrefixes; region/systemService selectors', () => {
  const file = JSON.parse(azureText) as AzureFile;
  const cat = parseSource('azure-service-tags', 'azure', azureText);
  for (const v of file.values) assert.deepEqual(cidrs(select(cat, v.name)), sorted(v.properties.addressPrefixes), v.name);
  // case-insensitive names, like AKS
  assert.deepEqual(cidrs(select(cat, 'azurecloud.WestEurope')), cidrs(select(cat, 'AzureCloud.westeurope')));
  const we = file.values.filter((v) => v.properties.region === 'westeurope').flatMap((v) => v.properties.addressPrefixes);
  assert.deepEqual(cidrs(select(cat, 'region=westeurope')), sorted(we));
  const devops = file.values.filter((v) => v.properties.systemService === 'AzureDevOps').flatMap((v) => v.properties.addressPrefixes);
  assert.deepEqual(cidrs(select(cat, 'systemService=AzureDevOps')), sorted(devops));
  assert.equal(cat.prefixCount, new Set(file.values.flatMap((v) => v.properties.addressPrefixes)).size);
  assert.equal(cat.hostBitsNormalized, 0);
});

test('aws: service/region/network_border_group selectors, IPv4 and IPv6', () => {
  const file = JSON.parse(awsText) as AwsFile;
  const cat = parseSource('aws-ip-ranges', 'aws', awsText);
  const ec2 = file.prefixes.filter((p) => p.service === 'EC2' && p.region === 'eu-west-1').map((p) => p.ip_prefix)
    .concat(file.ipv6_prefixes.filter((p) => p.service === 'EC2' && p.region === 'eu-west-1').map((p) => p.ipv6_prefix));
  assert.ok(ec2.length > 10);
  assert.deepEqual(cidrs(select(cat, 'service=EC2,region=eu-west-1')), sorted(ec2));
  assert.deepEqual(cidrs(select(cat, 'region=eu-west-1,service=ec2')), sorted(ec2));
  const nbg = file.prefixes.filter((p) => p.network_border_group === 'us-east-1').map((p) => p.ip_prefix);
  assert.deepEqual(cidrs(select(cat, 'network_border_group=us-east-1')), sorted(nbg));
  assert.ok(select(cat, 'region=eu-west-1').some((r) => r.family === 6));
  assert.equal(code(() => select(cat, 'service=EC3')), 'ERR_SELECTOR_UNKNOWN');
  assert.equal(code(() => select(cat, 'zone=eu-west-1')), 'ERR_SELECTOR_UNKNOWN');
  assert.equal(code(() => select(cat, 'EC2')), 'ERR_SELECTOR_UNKNOWN');
});

test('gcp: scope and service selectors', () => {
  const file = JSON.parse(gcpText) as GcpFile;
  const cat = parseSource('gcp-cloud-json', 'gcp', gcpText);
  const ew1 = file.prefixes.filter((p) => p.scope === 'europe-west1').map((p) => p.ipv4Prefix ?? p.ipv6Prefix ?? '');
  assert.deepEqual(cidrs(select(cat, 'scope=europe-west1')), sorted(ew1));
  assert.equal(select(cat, 'service=Google Cloud').length, new Set(file.prefixes.map((p) => p.ipv4Prefix ?? p.ipv6Prefix)).size);
});

test('github: keys whose values are CIDR lists; other keys skipped', () => {
  const file = JSON.parse(githubText) as Record<string, unknown>;
  const cat = parseSource('github-meta', 'github', githubText);
  assert.deepEqual(cidrs(select(cat, 'actions')), sorted(file['actions'] as string[]));
  assert.deepEqual(cidrs(select(cat, 'hooks')), sorted(file['hooks'] as string[]));
  assert.ok(!cat.named.has('ssh_keys') && !cat.named.has('domains') && !cat.named.has('verifiable_password_authentication'));
  const names = listSelectors(cat).map((s) => s.selector);
  assert.ok(names.includes('web') && names.includes('git'));
});

test('text lists: comments, commas, whole-file selector; host bits refused with the fix', () => {
  const cat = parseSource('text', 'office', '# office\n198.51.100.0/24  # HQ\n203.0.113.7, 203.0.113.9\n\n2001:db8::/32\n');
  assert.deepEqual(cidrs(select(cat, '')), ['198.51.100.0/24', '2001:db8::/32', '203.0.113.7/32', '203.0.113.9/32']);
  assert.equal(code(() => select(cat, 'x')), 'ERR_SELECTOR_UNKNOWN');
  try {
    parseSource('text', 'office', '10.0.0.0/8\n198.51.100.7/24\n');
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof IpgateError);
    assert.equal(error.code, 'ERR_SOURCE_PARSE');
    assert.match(error.message, /line 2/);
    assert.equal(error.suggestion, 'write 198.51.100.0/24');
  }
});

test('provider prefixes with host bits are normalized and counted', () => {
  const text = JSON.stringify({ values: [{ name: 'Foo', properties: { region: '', systemService: 'Foo', addressPrefixes: ['20.1.2.3/24', '20.9.0.0/16'] } }] });
  const cat = parseSource('azure-service-tags', 'azure', text);
  assert.deepEqual(cidrs(select(cat, 'Foo')), ['20.1.2.0/24', '20.9.0.0/16']);
  assert.equal(cat.hostBitsNormalized, 1);
});

test('malformed files are ERR_SOURCE_PARSE naming the source and the problem', () => {
  const cases: Array<[Parameters<typeof parseSource>[0], string, RegExp]> = [
    ['azure-service-tags', '{"values": [', /not valid JSON/],
    ['azure-service-tags', '[]', /JSON object/],
    ['azure-service-tags', '{"changeNumber": 1}', /values/],
    ['azure-service-tags', '{"values":[{"name":"A","properties":{"addressPrefixes":["1.2.3.0/33"]}}]}', /A addressPrefixes\[0\]/],
    ['azure-service-tags', '{"values":[{"name":"A","properties":{"addressPrefixes":["010.2.3.0/24"]}}]}', /leading zero|octal|010/i],
    ['aws-ip-ranges', '{"prefixes":[{"ip_prefix":"3.4.12.4/32","region":"eu-west-1"}]}', /service/],
    ['aws-ip-ranges', '{"prefixes":[{"ip_prefix":"banana","service":"EC2","region":"r","network_border_group":"r"}]}', /prefixes\[0\]/],
    ['gcp-cloud-json', '{"prefixes":[{"ipv4Prefix":"2600::/44","scope":"x","service":"y"}]}', /IPv6/],
    ['github-meta', '{"hooks":["192.30.252.0/22","not a prefix"]}', /hooks\[1\]/],
    ['github-meta', '{"ssh_keys":["ssh-ed25519 AAAA"]}', /no lists of prefixes/],
  ];
  for (const [type, text, pattern] of cases) {
    try {
      parseSource(type, 'src1', text);
      assert.fail(`expected an error for ${text}`);
    } catch (error) {
      assert.ok(error instanceof IpgateError, String(error));
      assert.equal(error.code, 'ERR_SOURCE_PARSE', text);
      assert.match(error.message, /source "src1"/);
      assert.match(error.message, pattern, text);
    }
  }
});
