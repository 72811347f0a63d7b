import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateProfile, type ProfileProblem } from '../src/policy/validate.js';
import { specialBlockOf, SPECIAL_IPV4_BLOCKS } from '../src/policy/special-ranges.js';
import { looksLikeServiceTag } from '../src/policy/service-tag.js';
import { parseRange } from '../src/cidr/parse.js';

function aks(list: string[], vnetIntegration = false) {
  return validateProfile({ authorizedIpRanges: list, egressIpRanges: [] }, { target: 'aks', vnetIntegration });
}
function ipgate(list: string[], egress: string[] = []) {
  return validateProfile({ authorizedIpRanges: list, egressIpRanges: egress });
}
function codes(problems: ProfileProblem[]): string[] {
  return problems.map((p) => `${p.code}@${p.index ?? '-'}`);
}

test('valid lists: empty (disabled), public IPv4, bare addresses, the sentinel alone', () => {
  for (const list of [[], ['73.140.245.0/24'], ['73.140.245.0/24', '193.168.1.0/24', '20.20.20.20'], ['0.0.0.0/32'], ['0.0.0.0']]) {
    assert.deepEqual(aks(list), { valid: true, problems: [] }, list.join(','));
    assert.deepEqual(ipgate(list), { valid: true, problems: [] }, list.join(','));
  }
});

test('ipgate target: IPv6 and private ranges are fine, no count limit', () => {
  const many = Array.from({ length: 500 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  assert.deepEqual(ipgate(['2001:db8::/32', '10.0.0.0/8', 'fd00::/8', ...many]).problems, []);
});

test('host bits: refused with the network address as the fix, index and field set', () => {
  const r = aks(['73.140.245.0/24', '137.117.106.90/29']);
  assert.equal(r.valid, false);
  assert.equal(r.problems.length, 1);
  const p = r.problems[0];
  assert.equal(p?.code, 'ERR_HOST_BITS');
  assert.equal(p?.field, 'authorizedIpRanges');
  assert.equal(p?.index, 1);
  assert.equal(p?.entry, '137.117.106.90/29');
  assert.equal(p?.suggestion, '137.117.106.88/29');
  assert.equal(p?.severity, 'error');
  assert.match(p?.message ?? '', /137\.117\.106\.90\/29/);
});

test('every problem is reported at once, in list order', () => {
  const r = aks(['010.1.2.3', '2001:db8::/32', '10.0.0.0/8', '1.2.3.4/33', '8.8.8.0/24']);
  assert.equal(r.valid, false);
  assert.deepEqual(codes(r.problems), ['ERR_IPV4_LEADING_ZERO@0', 'ERR_AKS_IPV6@1', 'ERR_AKS_NOT_GLOBAL@2', 'ERR_PREFIX_LENGTH@3']);
});

test('aks: IPv6 refused with a pointer to the ipgate target; mapped IPv4 refused with its IPv4 spelling', () => {
  const v6 = aks(['2001:db8::/32']).problems[0];
  assert.equal(v6?.code, 'ERR_AKS_IPV6');
  assert.match(v6?.suggestion ?? '', /--target ipgate/);
  const mapped = aks(['::ffff:20.20.20.0/120']).problems[0];
  assert.equal(mapped?.code, 'ERR_AKS_IPV6');
  assert.equal(mapped?.suggestion, '20.20.20.0/24');
});

test('aks: every special-purpose block, and ranges inside one, are refused as not global', () => {
  for (const block of SPECIAL_IPV4_BLOCKS) {
    const r = aks([block.cidr]);
    assert.deepEqual(codes(r.problems), ['ERR_AKS_NOT_GLOBAL@0'], block.cidr);
    assert.match(r.problems[0]?.message ?? '', new RegExp(block.cidr.replace(/\./g, '\\.')));
  }
  for (const inside of ['10.1.2.3', '172.31.255.0/24', '192.168.1.1', '100.127.0.0/16', '127.0.0.1', '169.254.169.254', '224.0.0.1', '255.255.255.255', '198.19.0.0/16', '192.0.0.8/29']) {
    assert.deepEqual(codes(aks([inside]).problems), ['ERR_AKS_NOT_GLOBAL@0'], inside);
  }
  // Neighbours of the blocks are global.
  for (const global of ['11.0.0.0/8', '172.32.0.0/16', '172.15.255.0/24', '100.128.0.0/10', '192.169.0.0/16', '198.20.0.0/16', '1.0.0.0/8', '223.255.255.0/24', '192.0.1.0/24']) {
    assert.deepEqual(aks([global]).problems, [], global);
  }
});

test('specialBlockOf: only ranges entirely inside a block', () => {
  assert.equal(specialBlockOf(parseRange('10.0.0.0/7')), undefined);
  assert.equal(specialBlockOf(parseRange('10.0.0.0/8'))?.cidr, '10.0.0.0/8');
  assert.equal(specialBlockOf(parseRange('fd00::/8')), undefined);
});

test('aks: at most 200 entries, with condense as the suggestion', () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => `20.${i >> 8}.${i & 255}.0/24`);
  assert.deepEqual(aks(list(200)).problems, []);
  const r = aks(list(201));
  assert.equal(r.valid, false);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]?.code, 'ERR_AKS_TOO_MANY');
  assert.equal(r.problems[0]?.index, undefined);
  assert.match(r.problems[0]?.message ?? '', /201/);
  assert.match(r.problems[0]?.suggestion ?? '', /ipgate condense --max 200/);
});

test('0.0.0.0/32 with other entries is invalid in both targets', () => {
  for (const target of ['aks', 'ipgate'] as const) {
    const r = validateProfile({ authorizedIpRanges: ['20.0.0.0/8', '0.0.0.0/32'], egressIpRanges: [] }, { target });
    assert.deepEqual(codes(r.problems), ['ERR_EGRESS_ONLY_COMBINED@1'], target);
    assert.ok(r.problems[0]?.suggestion);
  }
  // The bare address is the same range.
  assert.deepEqual(codes(ipgate(['0.0.0.0', '20.0.0.0/8']).problems), ['ERR_EGRESS_ONLY_COMBINED@0']);
});

test('aks: 0.0.0.0/0 alone is accepted, combined it is refused', () => {
  assert.deepEqual(aks(['0.0.0.0/0']).problems, []);
  assert.deepEqual(codes(aks(['0.0.0.0/0', '20.0.0.0/8']).problems), ['ERR_AKS_ALLOW_ALL_COMBINED@0']);
});

test('service tags: one allowed under aks, never two, never with VNet integration, never under ipgate', () => {
  assert.deepEqual(aks(['AzureCloud', '20.20.20.20']).problems, []);
  assert.deepEqual(aks(['AzureCloud.westeurope']).problems, []);
  assert.deepEqual(codes(aks(['AzureCloud', '20.20.20.20', 'Storage.EastUS2']).problems), ['ERR_AKS_SERVICE_TAGS@2']);
  assert.deepEqual(codes(aks(['AzureCloud'], true).problems), ['ERR_AKS_SERVICE_TAG_VNET@0']);
  assert.deepEqual(codes(ipgate(['AzureCloud']).problems), ['ERR_SERVICE_TAG_UNSUPPORTED@0']);
  // Something that is neither an address nor a tag is a parse error.
  assert.equal(aks(['azure cloud']).problems[0]?.code, 'ERR_WHITESPACE');
  assert.equal(aks(['localhost']).valid, false);
});

test('looksLikeServiceTag', () => {
  for (const t of ['AzureCloud', 'AzureCloud.westeurope', 'Storage.EastUS2', 'AzureDevOps']) assert.ok(looksLikeServiceTag(t), t);
  for (const t of ['azurecloud', '1.2.3.4', 'Azure Cloud', 'AzureCloud.', 'A.b.c', '']) assert.ok(!looksLikeServiceTag(t), t);
});

test('duplicates are warnings: the profile stays valid', () => {
  const r = ipgate(['20.0.0.0/8', '1.2.3.4', '1.2.3.4/32', '20.0.0.0/8']);
  assert.equal(r.valid, true);
  assert.deepEqual(codes(r.problems), ['WARN_DUPLICATE_ENTRY@2', 'WARN_DUPLICATE_ENTRY@3']);
  assert.ok(r.problems.every((p) => p.severity === 'warning'));
  assert.deepEqual(codes(ipgate(['20.0.0.0/8', '2001:db8::/32', '10.0.0.0/8', '2001:DB8::/32']).problems), ['WARN_DUPLICATE_ENTRY@3']);
  assert.deepEqual(codes(ipgate(['::ffff:1.2.3.0/120', '2001:db8::/32', '1.2.3.0/24']).problems), ['WARN_DUPLICATE_ENTRY@2']);
  // They still count against the AKS limit.
  assert.equal(aks(Array.from({ length: 201 }, () => '20.0.0.0/8')).valid, false);
});

test('egress list: parsed strictly, no sentinel, no service tag, any family', () => {
  assert.deepEqual(ipgate(['20.0.0.0/8'], ['2001:db8::1', '52.1.2.3']).problems, []);
  const r = ipgate(['20.0.0.0/8'], ['52.1.2.3/24', '0.0.0.0/32', 'AzureCloud']);
  assert.deepEqual(r.problems.map((p) => `${p.field ?? ''}:${p.code}@${p.index ?? '-'}`), [
    'egressIpRanges:ERR_HOST_BITS@0', 'egressIpRanges:ERR_EGRESS_SENTINEL@1', 'egressIpRanges:ERR_SERVICE_TAG_UNSUPPORTED@2',
  ]);
});

test('unknown target is an error', () => {
  assert.throws(() => validateProfile({ authorizedIpRanges: [], egressIpRanges: [] }, { target: 'gke' as 'aks' }), { code: 'ERR_TARGET' });
});

test('a profile whose lists are missing or not arrays is invalid, not a crash', () => {
  const r = validateProfile({ authorizedIpRanges: '1.2.3.4' } as unknown as Parameters<typeof validateProfile>[0]);
  assert.equal(r.valid, false);
  assert.deepEqual(r.problems.map((p) => p.code), ['ERR_PROFILE_FIELD', 'ERR_PROFILE_FIELD']);
  assert.equal(validateProfile(null as unknown as Parameters<typeof validateProfile>[0]).valid, false);
});

test('judging the same lists again (a reused analysis) still follows the target, the options and later edits', () => {
  const list = ['20.0.0.0/8', '10.0.0.0/8', '20.0.0.0/8'];
  assert.deepEqual(codes(ipgate(list).problems), ['WARN_DUPLICATE_ENTRY@2']);
  assert.deepEqual(codes(aks(list).problems), ['ERR_AKS_NOT_GLOBAL@1', 'WARN_DUPLICATE_ENTRY@2']);
  const first = ipgate(list);
  first.problems.length = 0; // a caller's copy: editing it changes no later answer
  assert.deepEqual(codes(ipgate(list).problems), ['WARN_DUPLICATE_ENTRY@2']);
  list.push('1.2.3.4/24');
  assert.deepEqual(codes(ipgate(list).problems), ['WARN_DUPLICATE_ENTRY@2', 'ERR_HOST_BITS@3']);
  list.pop();
  // A reference check is asked about non-ranges only; a list with one is judged afresh every time.
  const withRef = ['20.0.0.0/8', 'azure:AzureCloud'];
  const seen: string[] = [];
  const reference = (entry: string) => {
    seen.push(entry);
    return entry.startsWith('azure:') ? [] : undefined;
  };
  for (let i = 0; i < 2; i++) assert.equal(validateProfile({ authorizedIpRanges: withRef, egressIpRanges: [] }, { reference }).valid, true);
  assert.deepEqual(seen, ['azure:AzureCloud', 'azure:AzureCloud']);
  assert.equal(validateProfile({ authorizedIpRanges: withRef, egressIpRanges: [] }).valid, false);
});
