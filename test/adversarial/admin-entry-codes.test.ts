/**
 * One parser, one verdict: an entry that looks like an address or range (`fe80::1%eth0`) is judged by the
 * range parser wherever it is given (PATCH, PUT, `ipgate ranges validate`), never taken for a range-source
 * reference (`fe80:` as a source name). Real references still work where sources are configured.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminRequest } from '../helpers/clients.js';
import { ipgate, tempFiles } from '../helpers/offline-cli.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';
import { FIXTURES } from '../sources-fixture-server.js';

/** Bad entries and the code the range parser gives each. */
const BAD: ReadonlyArray<readonly [string, string]> = [
  ['fe80::1%eth0', 'ERR_ZONE_ID'],
  ['fe80::/10%eth0', 'ERR_ZONE_ID'],
  ['1.2.3.4%eth0', 'ERR_ZONE_ID'],
  ['fe80::1/64', 'ERR_HOST_BITS'],
  ['10.0.0.1/24', 'ERR_HOST_BITS'],
  ['010.0.0.0/8', 'ERR_IPV4_LEADING_ZERO'],
  ['10.0.0.0/255.0.0.0', 'ERR_PREFIX_NETMASK'],
  ['dead:beef', 'ERR_IPV6_SYNTAX'],
];

interface ErrorBody {
  code: string;
  errors: Array<{ entry: string; code: string }>;
}

function codeFor(body: unknown, entry: string): string | undefined {
  return (body as ErrorBody).errors.find((e) => e.entry === entry)?.code;
}

describe('without sources', () => {
  let fx: GatewayFixture;
  const PROFILE = { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] };
  before(async () => {
    fx = await gatewayFixture(() => ({ listeners: [{ name: 'public', address: '127.0.0.1:0' }], store: { file: 'profile.json' }, profile: PROFILE }));
  });
  after(async () => {
    await fx?.close();
  });

  test('PATCH, PUT and `ranges validate` give the same code for the same bad entry', async () => {
    const list = tempFiles({ 'list.txt': BAD.map(([entry]) => entry).join('\n') });
    const validate = await ipgate(['ranges', 'validate', '--json', list['list.txt'] ?? '']);
    assert.equal(validate.code, 1, validate.stderr);
    const report = JSON.parse(validate.stdout) as { entries: Array<{ input: string; code?: string }> };
    const etag = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).headers['etag'];
    for (const [entry, expected] of BAD) {
      const patch = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: [entry] } });
      assert.equal(patch.status, 400, patch.text);
      const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: ['127.0.0.2/32', entry] } });
      assert.equal(put.status, 400, put.text);
      const offline = report.entries.find((e) => e.input === entry)?.code;
      assert.deepEqual(
        { entry, patch: codeFor(patch.json, entry), put: codeFor(put.json, entry), validate: offline },
        { entry, patch: expected, put: expected, validate: expected },
      );
    }
    const now = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
    assert.equal(now.headers['etag'], etag, 'nothing changed');
    assert.deepEqual(now.json, PROFILE);
  });

  test('a real reference without sources is still refused as a reference (ERR_SOURCE_UNKNOWN)', async () => {
    const r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['azure:AzureCloud'] } });
    assert.equal(r.status, 400);
    assert.equal(codeFor(r.json, 'azure:AzureCloud'), 'ERR_SOURCE_UNKNOWN');
  });
});

describe('with sources configured', () => {
  let fx: GatewayFixture;
  before(async () => {
    fx = await gatewayFixture(() => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      sources: [
        { name: 'azure', type: 'azure-service-tags', file: join(FIXTURES, 'azure-service-tags.json') },
        // A source whose name is all hex digits: `cafe:` is still a reference.
        { name: 'cafe', type: 'text', file: join(FIXTURES, 'office-ranges.txt') },
      ],
      store: { file: 'profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] },
    }));
  });
  after(async () => {
    await fx?.close();
  });

  test('azure:AzureCloud and cafe: are added as references; fe80::1%eth0 still gets ERR_ZONE_ID', async () => {
    const r = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['azure:AzureCloud', 'cafe:'] } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((r.json as { profile: { authorizedIpRanges: string[] } }).profile.authorizedIpRanges, ['127.0.0.2/32', 'azure:AzureCloud', 'cafe:']);
    const zone = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: ['fe80::1%eth0'] } });
    assert.equal(zone.status, 400);
    assert.equal(codeFor(zone.json, 'fe80::1%eth0'), 'ERR_ZONE_ID');
    const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: ['azure:AzureCloud', 'fe80::1%eth0'] } });
    assert.equal(put.status, 400);
    assert.equal(codeFor(put.json, 'fe80::1%eth0'), 'ERR_ZONE_ID');
  });
});
