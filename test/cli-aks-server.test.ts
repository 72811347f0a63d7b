/**
 * AKS's forms against a real gateway (no range sources configured): `ranges set ""` disables as
 * `az aks update --api-server-authorized-ip-ranges ""` does, comma lists and az's JSON array are entries,
 * removing the last entry points to `ipgate ranges disable`, a bare service tag says what to configure,
 * and `ipgate import --server` shows the difference in a dry run and applies it with --yes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminRequest } from './helpers/clients.js';
import { ROOT, runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';

const CLOUD = join(ROOT, 'test', 'fixtures', 'cloud');

async function withGateway(fn: (fx: GatewayFixture, cli: (...args: string[]) => ReturnType<typeof runIpgate>) => Promise<void>): Promise<void> {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    store: { file: 'state/profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: ['20.50.1.7/32'] },
  }));
  const auth = ['--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')];
  try {
    await fn(fx, (...args) => runIpgate([...args, ...auth]));
  } finally {
    await fx.close();
  }
}

async function profile(fx: GatewayFixture): Promise<{ authorizedIpRanges: string[]; egressIpRanges: string[] }> {
  return (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: string[]; egressIpRanges: string[] };
}

test('ranges set "" disables with the warning ranges disable gives; comma lists and az JSON arrays are entries', async () => {
  await withGateway(async (fx, cli) => {
    const set = await cli('ranges', 'set', '127.0.0.2/32,73.140.245.0/24,193.168.1.0/24');
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((await profile(fx)).authorizedIpRanges, ['127.0.0.2/32', '73.140.245.0/24', '193.168.1.0/24']);
    const add = await cli('ranges', 'add', '194.168.1.0/24,194.168.2.0/24');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added: {3}194\.168\.1\.0\/24 194\.168\.2\.0\/24/);
    const remove = await cli('ranges', 'remove', '194.168.1.0/24,194.168.2.0/24,193.168.1.0/24');
    assert.equal(remove.code, 0, remove.stderr);
    assert.deepEqual((await profile(fx)).authorizedIpRanges, ['127.0.0.2/32', '73.140.245.0/24']);
    const fromAz = await cli('ranges', 'set', join(CLOUD, 'aks-authorized-ip-ranges.json'));
    assert.equal(fromAz.code, 0, fromAz.stderr);
    assert.deepEqual((await profile(fx)).authorizedIpRanges, ['73.140.245.0/24', '193.168.1.0/24', '194.168.1.7/32']);

    const disableDry = await cli('ranges', 'disable', '--dry-run');
    const setDry = await cli('ranges', 'set', '', '--dry-run');
    assert.equal(setDry.code, 0, setDry.stderr);
    assert.match(disableDry.stderr, /warning: this would disable authorized IP ranges: every address may connect/);
    assert.equal(setDry.stderr, disableDry.stderr);
    assert.equal(setDry.stdout, disableDry.stdout);
    assert.equal((await profile(fx)).authorizedIpRanges.length, 3, 'dry runs change nothing');
    const off = await cli('ranges', 'set', '');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stderr, /warning: disabled authorized IP ranges: every address may connect/);
    assert.deepEqual(await profile(fx), { authorizedIpRanges: [], egressIpRanges: ['20.50.1.7/32'] });
    const explain = await cli('explain', '198.51.100.1', '--output', 'json');
    assert.equal((JSON.parse(explain.stdout) as { reason: string }).reason, 'disabled');

    // With --egress, "" empties the egress ranges (no warning: nothing is opened); no list at all is a mistake.
    const noList = await cli('ranges', 'set', '--egress');
    assert.equal(noList.code, 2);
    assert.match(noList.stderr, /give a FILE or entries \(or "" to empty the egress ranges\)/);
    const noEgress = await cli('ranges', 'set', '', '--egress');
    assert.equal(noEgress.code, 0, noEgress.stderr);
    assert.equal(noEgress.stderr, '');
    assert.match(noEgress.stdout, /removed: 20\.50\.1\.7\/32/);
    assert.deepEqual(await profile(fx), { authorizedIpRanges: [], egressIpRanges: [] });
  });
});

test('removing the last entry points to ipgate ranges disable; a bare service tag says how to configure its source', async () => {
  await withGateway(async (fx, cli) => {
    const last = await cli('ranges', 'remove', '127.0.0.2/32');
    assert.equal(last.code, 2);
    assert.match(last.stderr, /removes every authorized range.*run: ipgate ranges disable \[400 from [^\]]+\] \(ERR_PATCH_DISABLES\)/);
    assert.doesNotMatch(last.stderr, /PUT/);
    assert.deepEqual((await profile(fx)).authorizedIpRanges, ['127.0.0.2/32']);

    const tag = await cli('ranges', 'add', 'AzureDevOps');
    assert.equal(tag.code, 2);
    assert.match(tag.stderr, /AzureDevOps looks like an Azure service tag, not an IP address or range; this gateway has no range sources/);
    assert.match(tag.stderr, /type: azure-service-tags/);
    assert.match(tag.stderr, /ERR_SERVICE_TAG_NO_SOURCE/);
    assert.doesNotMatch(tag.stderr, /Cannot parse/);
    const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: ['AzureDevOps'], egressIpRanges: [] } });
    assert.equal(put.status, 400);
    const entry = (put.json as { errors: Array<{ entry: string; code: string; suggestion: string }> }).errors[0];
    assert.equal(entry?.entry, 'AzureDevOps');
    assert.equal(entry?.code, 'ERR_SERVICE_TAG_NO_SOURCE');
    assert.match(entry?.suggestion ?? '', /sources:/);
  });
});

test('ipgate import --server: a dry run shows the difference, --yes applies it and keeps the gateway\'s egress ranges', async () => {
  await withGateway(async (fx, cli) => {
    const dry = await cli('import', 'gke', join(CLOUD, 'gke-describe.json'));
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ipgate import: gke cluster gke-prod -> http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(dry.stdout, /^ {2}\+ 203\.0\.113\.0\/24$/m);
    assert.match(dry.stdout, /^ {2}- 127\.0\.0\.2\/32$/m);
    assert.match(dry.stdout, /egressIpRanges: kept as they are on the gateway \(1\)/);
    assert.match(dry.stdout, /notes \(shown here, not sent to the gateway\): 203\.0\.113\.0\/24 "office", 198\.51\.100\.7\/32 "ci-runner"/);
    assert.match(dry.stdout, /dry run: the gateway accepts this profile; nothing was changed\. Run again with --yes/);
    assert.deepEqual((await profile(fx)).authorizedIpRanges, ['127.0.0.2/32']);

    const applied = await cli('import', 'gke', join(CLOUD, 'gke-describe.json'), '--yes');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^applied \(etag "[^"]+"\)$/m);
    assert.deepEqual(await profile(fx), { authorizedIpRanges: ['203.0.113.0/24', '198.51.100.7/32', '192.0.2.64/26'], egressIpRanges: ['20.50.1.7/32'] });

    // A cluster whose endpoint is open imports as "disabled": the dry run says so before anything changes.
    const open = await cli('import', 'eks', join(CLOUD, 'eks-describe-default.json'), '-o', 'json');
    assert.equal(open.code, 0, open.stderr);
    const report = JSON.parse(open.stdout) as { dryRun: boolean; authorizedIpRanges: { removed: string[] } };
    assert.equal(report.dryRun, true);
    assert.deepEqual(report.authorizedIpRanges.removed, ['203.0.113.0/24', '198.51.100.7/32', '192.0.2.64/26']);
    assert.match(open.stderr, /warning: this would disable authorized IP ranges/);
    assert.equal((await profile(fx)).authorizedIpRanges.length, 3);

    // The gateway's own rules still hold: a service tag without a source is refused in the dry run.
    const tagged = await cli('import', 'aks', join(CLOUD, 'aks-show.json'));
    assert.equal(tagged.code, 2);
    assert.match(tagged.stderr, /AzureCloud looks like an Azure service tag/);
    assert.equal((await profile(fx)).authorizedIpRanges.length, 3);
  });
});
