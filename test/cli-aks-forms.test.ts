/**
 * The forms AKS users type, offline: comma-separated lists where a list file is expected, the JSON array
 * `az aks show --query apiServerAccessProfile.authorizedIpRanges` prints, the VNet-integration rule for
 * service tags; and `ipgate import aks|gke|eks` on the providers' real output shapes (test/fixtures/cloud).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/validate.js';
import { IpgateError } from '../src/errors.js';
import { importAks } from '../src/policy/cloud-import-aks.js';
import { importEks } from '../src/policy/cloud-import-eks.js';
import { importGke } from '../src/policy/cloud-import-gke.js';
import type { ImportedProfile } from '../src/policy/cloud-import.js';
import { isInlineList, jsonListEntries, listEntries } from '../src/cli/list-text.js';
import { ipgate, tempFiles } from './helpers/offline-cli.js';
import { ROOT, runIpgate } from './helpers/ipgate.js';

const CLOUD = join(ROOT, 'test', 'fixtures', 'cloud');
const fixture = (name: string): string => join(CLOUD, name);
const load = (name: string): unknown => JSON.parse(readFileSync(fixture(name), 'utf8'));

test('list text: JSON arrays (with their lines), comma lists, and which FILE arguments are the list itself', () => {
  assert.deepEqual(jsonListEntries('[\n  "73.140.245.0/24",\n  "193.168.1.0/24"\n]\n', 'x'), [{ text: '73.140.245.0/24', line: 2 }, { text: '193.168.1.0/24', line: 3 }]);
  assert.deepEqual(listEntries('null\n', 'x'), []);
  assert.deepEqual(listEntries('73.140.245.0/24,193.168.1.0/24 # office\n', 'x').map((e) => e.text), ['73.140.245.0/24', '193.168.1.0/24']);
  const bad = (text: string): string => {
    try {
      jsonListEntries(text, 'ranges.json');
      return 'accepted';
    } catch (error) {
      return error instanceof IpgateError ? `${error.code}: ${error.message}` : String(error);
    }
  };
  assert.match(bad('["1.2.3.4",\n 5]'), /^ERR_LIST_JSON: ranges\.json line 2: .*holds a number where a string is expected/);
  assert.match(bad('["1.2.3.4",'), /^ERR_LIST_JSON: ranges\.json line 1: .*not valid JSON/);
  assert.match(bad('[{"range":"1.2.3.4"}]'), /holds a object/);
  for (const inline of ['', '203.0.113.0/24,198.51.100.7', '10.0.0.0/8', '2001:db8::/32', '["1.2.3.4"]', 'AzureCloud,20.20.20.20']) assert.ok(isInlineList(inline), inline);
  for (const file of ['allow.txt', './ranges', 'AzureCloud', 'no-such-file.txt']) assert.ok(!isInlineList(file), file);
});

test('every command that reads a list file reads the JSON array az prints, and a comma list instead of FILE', async () => {
  const json = fixture('aks-authorized-ip-ranges.json');
  const validate = await ipgate(['ranges', 'validate', '--target', 'aks', json]);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /3 entries, all valid for target aks/);
  const check = await ipgate(['check', '194.168.1.7', '--ranges', json]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /allowed: 194\.168\.1\.7 is in 194\.168\.1\.7\/32 \(.*aks-authorized-ip-ranges\.json line 4\)/);
  const merge = await ipgate(['merge', json]);
  assert.equal(merge.stdout, '73.140.245.0/24\n193.168.1.0/24\n194.168.1.7/32\n');
  const condense = await ipgate(['condense', '--max', '2', json]);
  assert.equal(condense.code, 0, condense.stderr);
  assert.equal(condense.stdout.trim().split('\n').length, 2);
  const stdin = await ipgate(['merge', '-'], '[ "10.0.0.0/25", "10.0.0.128/25" ]');
  assert.equal(stdin.stdout, '10.0.0.0/24\n');

  // The list itself, as AKS's flag takes it.
  const inline = await ipgate(['ranges', 'validate', '73.140.245.0/24,137.117.106.90/29']);
  assert.equal(inline.code, 1);
  assert.match(inline.stdout, /line 1: "137\.117\.106\.90\/29": .*did you mean 137\.117\.106\.88\/29\? .*\[ERR_HOST_BITS\]/);
  assert.match(inline.stdout, /the command line: not valid/);
  const inlineCheck = await ipgate(['check', '193.168.1.9', '--ranges', '73.140.245.0/24,193.168.1.0/24']);
  assert.equal(inlineCheck.code, 0, inlineCheck.stderr);
  const everyone = await ipgate(['check', '198.51.100.1', '--ranges', '']);
  assert.equal(everyone.code, 0);
  assert.match(everyone.stdout, /disabled and every address may connect/);
  assert.equal((await ipgate(['merge', '10.0.0.0/25,10.0.0.128/25'])).stdout, '10.0.0.0/24\n');

  // export --exclude reads the same forms.
  const exportFiles = tempFiles({ 'ipgate.yaml': 'profile: { authorizedIpRanges: [73.140.244.0/24, 73.140.246.0/24] }\n', 'exclude.json': '[\n  "73.140.245.0/24",\n  "73.140.245.1/24"\n]\n' });
  const exported = await ipgate(['export', '--config', exportFiles['ipgate.yaml'] ?? '', '--target', 'eks', '--max', '1', '--exclude', '73.140.245.0/24']);
  assert.equal(exported.code, 2, 'one prefix cannot cover both without the excluded /24');
  assert.match(exported.stderr, /ERR_CONDENSE_BUDGET/);
  const badExclude = await ipgate(['export', '--config', exportFiles['ipgate.yaml'] ?? '', '--target', 'eks', '--exclude', exportFiles['exclude.json'] ?? '']);
  assert.equal(badExclude.code, 2);
  assert.match(badExclude.stderr, /exclude\.json line 3: 73\.140\.245\.1\/24 has host bits set.*\(ERR_EXCLUDE_PARSE\)/);

  // A file that does not exist and does not read as a list is still "cannot read".
  const missing = await ipgate(['merge', 'no-such-file.txt']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ERR_FILE_READ/);
  const broken = tempFiles({ 'broken.json': '[\n "1.2.3.4",\n null\n]\n' });
  const badJson = await ipgate(['ranges', 'validate', broken['broken.json'] ?? '']);
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, /broken\.json line 3: the list starts with "\[" but holds null where a string is expected \(ERR_LIST_JSON\)/);
});

test('ranges validate --target aks --vnet-integration refuses service tags', async () => {
  const tag = await ipgate(['ranges', 'validate', '--target', 'aks', '--vnet-integration', 'AzureCloud,20.20.20.20']);
  assert.equal(tag.code, 1);
  assert.match(tag.stdout, /service tag "AzureCloud" cannot be used on a cluster with API server VNet integration \[ERR_AKS_SERVICE_TAG_VNET\]/);
  const without = await ipgate(['ranges', 'validate', '--target', 'aks', 'AzureCloud,20.20.20.20']);
  assert.equal(without.code, 0, without.stdout);
  const usage = await ipgate(['ranges', 'validate', '--vnet-integration', 'AzureCloud']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--vnet-integration is an AKS rule; give it with --target aks/);
});

test('import aks: the list as written (a service tag too), the outbound IPs warned about, private clusters refused', () => {
  const plain = importAks(load('aks-show.json'), 'aks-show.json');
  assert.equal(plain.cluster, 'myAKSCluster');
  assert.equal(plain.state, 'ranges');
  assert.deepEqual(plain.authorizedIpRanges, [{ range: '73.140.245.0/24' }, { range: '193.168.1.0/24' }, { range: '194.168.1.7/32' }, { range: 'AzureCloud' }]);
  assert.deepEqual(plain.egressIpRanges, []);
  assert.ok(plain.warnings.some((w) => /outbound IPs by itself.*5f0c1b7e-6d2e-4a39-9c8e-3f1b2a4d5e6f/.test(w)));
  assert.ok(plain.warnings.some((w) => /node pool public gives its nodes public IPs \(prefix aks-node-prefix\)/.test(w)));
  assert.ok(plain.warnings.some((w) => /AzureCloud is a service tag/.test(w)));
  const vnet = importAks(load('aks-show-vnet.json'), 'aks-show-vnet.json');
  assert.ok(vnet.warnings.some((w) => /VNet integration is on/.test(w)));
  const disabled = importAks(load('aks-show-disabled.json'), 'aks-show-disabled.json');
  assert.equal(disabled.state, 'disabled');
  assert.deepEqual(disabled.authorizedIpRanges, []);
  assert.throws(() => importAks(load('aks-show-private.json'), 'aks-show-private.json'),
    (e: unknown) => e instanceof IpgateError && e.code === 'ERR_IMPORT_NO_PUBLIC_ENDPOINT' && /enablePrivateCluster/.test(e.message));
  // Host bits in the cloud's list: refused with ipgate's fix, not taken silently.
  const sloppy = load('aks-show.json') as { apiServerAccessProfile: { authorizedIpRanges: string[] } };
  sloppy.apiServerAccessProfile.authorizedIpRanges = ['137.117.106.90/29'];
  assert.throws(() => importAks(sloppy, 'sloppy.json'), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_IMPORT_INVALID' && e.suggestion === '137.117.106.88/29');
  assert.throws(() => importAks(load('gke-describe.json'), 'gke-describe.json'), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_IMPORT_SHAPE');
});

test('import gke: displayName is the note; off is disabled; a private endpoint is imported with a warning', () => {
  const gke = importGke(load('gke-describe.json'), 'gke-describe.json');
  assert.deepEqual(gke.authorizedIpRanges, [{ range: '203.0.113.0/24', note: 'office' }, { range: '198.51.100.7/32', note: 'ci-runner' }, { range: '192.0.2.64/26' }]);
  const open = importGke(load('gke-describe-open.json'), 'gke-describe-open.json');
  assert.equal(open.state, 'disabled');
  const internal = importGke(load('gke-describe-private-endpoint.json'), 'gke-describe-private-endpoint.json');
  assert.deepEqual(internal.authorizedIpRanges.map((e) => e.range), ['10.128.0.0/20', '10.200.0.0/24']);
  assert.ok(internal.warnings.some((w) => /no public endpoint: these networks limit who reaches its private endpoint/.test(w)));
  const none = load('gke-describe.json') as { masterAuthorizedNetworksConfig: { cidrBlocks: unknown[] } };
  none.masterAuthorizedNetworksConfig.cidrBlocks = [];
  const closed: ImportedProfile = importGke(none, 'none.json');
  assert.deepEqual(closed.authorizedIpRanges, [{ range: '0.0.0.0/32' }]);
});

test('import eks: publicAccessCidrs; the default 0.0.0.0/0 is open; no public endpoint is refused', () => {
  const eks = importEks(load('eks-describe.json'), 'eks-describe.json');
  assert.deepEqual(eks.authorizedIpRanges.map((e) => e.range), ['203.0.113.0/24', '198.51.100.7/32', '52.16.8.9/32']);
  assert.ok(eks.warnings.some((w) => /endpointPrivateAccess: connections from inside the VPC/.test(w)));
  const open = importEks(load('eks-describe-default.json'), 'eks-describe-default.json');
  assert.equal(open.state, 'disabled');
  assert.match(open.warnings[0] ?? '', /EKS's default 0\.0\.0\.0\/0/);
  assert.throws(() => importEks(load('eks-describe-private.json'), 'eks-describe-private.json'),
    (e: unknown) => e instanceof IpgateError && e.code === 'ERR_IMPORT_NO_PUBLIC_ENDPOINT' && /endpointPublicAccess is false/.test(e.message));
});

test('ipgate import prints the store\'s JSON shape or a config profile: section that ipgate serve takes', async () => {
  const json = await ipgate(['import', 'gke', fixture('gke-describe.json')]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    authorizedIpRanges: [{ range: '203.0.113.0/24', note: 'office' }, { range: '198.51.100.7/32', note: 'ci-runner' }, '192.0.2.64/26'],
    egressIpRanges: [],
  });
  assert.match(json.stderr, /ipgate import: warning: GKE does not admit the cluster's own outbound addresses/);
  const yaml = await ipgate(['import', 'gke', '-o', 'yaml', '-'], readFileSync(fixture('gke-describe.json'), 'utf8'));
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /^# ipgate import gke: cluster gke-prod \(from <stdin>\)$/m);
  assert.match(yaml.stdout, /^ {4}- 203\.0\.113\.0\/24 {2}# office$/m);
  const config = validateConfig({ upstream: '127.0.0.1:6444', listeners: [{ name: 'public', address: '0.0.0.0:6443' }], ...(parse(yaml.stdout) as object) }, 'import.yaml', ROOT);
  assert.deepEqual(config.profile, { authorizedIpRanges: ['203.0.113.0/24', '198.51.100.7/32', '192.0.2.64/26'], egressIpRanges: [] });
  const disabled = await ipgate(['import', 'eks', fixture('eks-describe-default.json')]);
  assert.deepEqual(JSON.parse(disabled.stdout), { authorizedIpRanges: [], egressIpRanges: [], disabled: true });
  const aksYaml = await ipgate(['import', 'aks', fixture('aks-show.json'), '--output', 'yaml']);
  assert.match(aksYaml.stdout, /^# warning: AzureCloud is a service tag/m);
  assert.match(aksYaml.stdout, /^ {4}- AzureCloud$/m);

  const priv = await ipgate(['import', 'aks', fixture('aks-show-private.json')]);
  assert.equal(priv.code, 2);
  assert.equal(priv.stdout, '');
  assert.match(priv.stderr, /has no public endpoint .*\(ERR_IMPORT_NO_PUBLIC_ENDPOINT\)\n {2}suggestion: reach the API server on its private endpoint/);
  const wrong = await ipgate(['import', 'azure', fixture('aks-show.json')]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /aks, gke or eks, not "azure"/);
  const notJson = await ipgate(['import', 'gke', '-'], 'name: gke-prod\n');
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /<stdin> is not JSON .*\(ERR_IMPORT_SHAPE\)\n {2}suggestion: add --format json/);
  const flag = await ipgate(['import', 'aks', fixture('aks-show.json'), '--yes']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--yes applies with --server only/);
  const text = await ipgate(['import', 'aks', fixture('aks-show.json'), '-o', 'text']);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /-o text is the difference to a gateway: give --server/);
  // IPGATE_SERVER alone does not turn printing into applying: the profile is printed, nothing is sent.
  const envOnly = await runIpgate(['import', 'gke', fixture('gke-describe.json')], undefined, { IPGATE_SERVER: 'http://127.0.0.1:9', IPGATE_TOKEN_FILE: '/dev/null' });
  assert.equal(envOnly.code, 0, envOnly.stderr);
  assert.deepEqual(JSON.parse(envOnly.stdout), JSON.parse(json.stdout));
});

test('docs/coming-from-aks-gke-eks.md maps every cloud flag and field to ipgate', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'coming-from-aks-gke-eks.md'), 'utf8');
  for (const flag of [
    'az aks create|update --api-server-authorized-ip-ranges', '--api-server-authorized-ip-ranges ""', 'service tags', '--enable-vnet-integration',
    '--enable-private-cluster', '0.0.0.0/32', '--load-balancer-outbound-ips',
    'gcloud container clusters update --master-authorized-networks', '--enable-master-authorized-networks', '--no-enable-master-authorized-networks',
    'displayName', 'gcpPublicCidrsAccessEnabled', 'enablePrivateEndpoint',
    'aws eks update-cluster-config', 'publicAccessCidrs', 'endpointPublicAccess', 'endpointPrivateAccess',
    'ipgate import aks', 'ipgate ranges set ""', 'ipgate ranges disable', 'ipgate export --target aks',
  ]) assert.ok(doc.includes(flag), `maps ${flag}`);
  for (const limit of ['| entries | 200 | 50 (100 private) | 40 | no limit |']) assert.ok(doc.includes(limit), 'limits compared');
  assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes('](docs/coming-from-aks-gke-eks.md)'), 'linked from the README');
});
