/**
 * Repeated JSON keys in admin request bodies against a real gateway: `{"add":["a"],"add":["b"]}` has no
 * single meaning (parsers keep the first or the last), so PUT and PATCH refuse it with 400
 * ERR_BODY_DUPLICATE_KEY, at any depth, and nothing changes (same profile, same ETag).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminRequest } from '../helpers/clients.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';

const PROFILE = { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: ['127.0.0.9/32'] };
let fx: GatewayFixture;

before(async () => {
  fx = await gatewayFixture(() => ({ listeners: [{ name: 'public', address: '127.0.0.1:0' }], store: { file: 'profile.json' }, profile: PROFILE }));
});
after(async () => {
  await fx?.close();
});

test('PUT and PATCH with a repeated key: 400 ERR_BODY_DUPLICATE_KEY naming the key; profile and ETag unchanged', async () => {
  const before = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
  const bodies: Array<[string, string, string]> = [
    ['PATCH', '{"add":["127.0.0.3/32"],"add":["127.0.0.4/32"]}', 'add'],
    ['PATCH', '{"remove":["127.0.0.9/32"],"removeEgress":["127.0.0.9/32"],"remove":[]}', 'remove'],
    ['PUT', '{"authorizedIpRanges":["127.0.0.2/32"],"authorizedIpRanges":["0.0.0.0/0"]}', 'authorizedIpRanges'],
    ['PUT', '{"authorizedIpRanges":["127.0.0.3/32"],"egressIpRanges":[],"egressIpRanges":["127.0.0.4/32"]}', 'egressIpRanges'],
  ];
  for (const [method, body, key] of bodies) {
    for (const path of ['/v1/profile', '/v1/profiles/default']) {
      const r = await adminRequest(fx.adminUrl, method, path, { token: fx.token, body });
      assert.equal(r.status, 400, `${method} ${path} ${body}: ${r.text}`);
      const e = r.json as { code: string; errors: Array<{ entry: string; code: string }> };
      assert.equal(e.code, 'ERR_BODY_DUPLICATE_KEY');
      assert.equal(e.errors[0]?.entry, key);
    }
  }
  const after = await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
  assert.equal(after.headers['etag'], before.headers['etag']);
  assert.deepEqual(after.json, PROFILE);
});
