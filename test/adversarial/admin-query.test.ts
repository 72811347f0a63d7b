/**
 * Misspelt query parameters against a real gateway: `?dryrun=true` or `?dry_run=1` must not be ignored (which
 * would apply the change for real); every route declares the parameters it takes and refuses the others with
 * 400 ERR_QUERY_UNKNOWN and a "did you mean". Nothing is changed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminRequest } from '../helpers/clients.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';

const PROFILE = { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] };
let fx: GatewayFixture;

before(async () => {
  fx = await gatewayFixture(() => ({ listeners: [{ name: 'public', address: '127.0.0.1:0' }], store: { file: 'profile.json' }, profile: PROFILE }));
});
after(async () => {
  await fx?.close();
});

interface QueryError {
  code: string;
  message: string;
  errors: Array<{ entry: string; code: string; suggestion?: string }>;
}

async function etag(): Promise<string> {
  return String((await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).headers['etag']);
}

test('misspelt dryRun on PATCH and PUT: 400 ERR_QUERY_UNKNOWN suggesting dryRun; nothing written', async () => {
  const before = await etag();
  const cases: Array<[string, string, unknown, string]> = [
    ['PATCH', '/v1/profile?dryrun=true', { add: ['127.0.0.7/32'] }, 'dryrun'],
    ['PATCH', '/v1/profile?dry_run=1', { add: ['127.0.0.7/32'] }, 'dry_run'],
    ['PUT', '/v1/profile?dryrun=true', { authorizedIpRanges: ['127.0.0.7/32'] }, 'dryrun'],
    ['PATCH', '/v1/profiles/default?dry_run=1', { add: ['127.0.0.7/32'] }, 'dry_run'],
  ];
  for (const [method, path, body, name] of cases) {
    const r = await adminRequest(fx.adminUrl, method, path, { token: fx.token, body });
    assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
    const e = r.json as QueryError;
    assert.equal(e.code, 'ERR_QUERY_UNKNOWN');
    assert.match(e.message, new RegExp(`"${name}".*did you mean "dryRun"`));
    assert.deepEqual(e.errors.map((x) => [x.entry, x.code, x.suggestion]), [[name, 'ERR_QUERY_UNKNOWN', 'dryRun']]);
  }
  const forse = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile?forse=true', { token: fx.token, body: { add: ['127.0.0.7/32'] } });
  assert.equal(forse.status, 400);
  assert.equal((forse.json as QueryError).errors[0]?.suggestion, 'force');
  assert.equal(await etag(), before, 'nothing was written');
  assert.deepEqual((await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json, PROFILE);
});

test('each route takes only its own parameters', async () => {
  const explain = await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ipp=127.0.0.2', { token: fx.token });
  assert.equal(explain.status, 400);
  assert.equal((explain.json as QueryError).code, 'ERR_QUERY_UNKNOWN');
  assert.equal((explain.json as QueryError).errors[0]?.suggestion, 'ip');
  // dryRun belongs to profile writes, not to explain; ip is not a profile parameter.
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=127.0.0.2&dryRun=true', { token: fx.token })).status, 400);
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/v1/profile?ip=127.0.0.2', { token: fx.token })).status, 400);
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/v1/whoami?verbose=1', { token: fx.token })).status, 400);
  // The declared ones still work.
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=127.0.0.2', { token: fx.token })).status, 200);
  const dry = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile?dryRun=true&force=false', { token: fx.token, body: { add: ['127.0.0.7/32'] } });
  assert.equal(dry.status, 200, dry.text);
  assert.equal((dry.json as { dryRun: boolean }).dryRun, true);
  // A parameter given twice is ambiguous.
  const twice = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile?dryRun=true&dryRun=false', { token: fx.token, body: { add: ['127.0.0.7/32'] } });
  assert.equal(twice.status, 400);
  assert.equal((twice.json as QueryError).code, 'ERR_QUERY');
  assert.deepEqual((await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json, PROFILE);
});
