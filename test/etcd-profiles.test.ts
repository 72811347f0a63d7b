/**
 * Several named profiles in one etcd (one per cluster): each instance enforces its own, `GET /v1/profiles`
 * lists them, and `ipgate ranges ... --profile NAME` reads and changes one through any instance.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, curlFrom } from './helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from './helpers/etcd.js';
import { runIpgate } from './helpers/ipgate.js';
import { waitFor } from './helpers/wait.js';

const PREFIX = '/clusters/';
const NAMES = ['alpha', 'beta'];
let etcd: RunningEtcd;
let fleet: Fleet;

before(async () => {
  etcd = await startEtcd();
  fleet = await startFleet({
    count: 2,
    etcd: (i) => ({ endpoints: [etcd.endpoint], prefix: PREFIX, profile: NAMES[i] }),
    profile: { authorizedIpRanges: ['127.0.0.1/32'] },
    cache: false,
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
});

function cli(args: string[]): ReturnType<typeof runIpgate> {
  const alpha = fleet.instances[0]?.adminUrl() ?? '';
  return runIpgate(['ranges', ...args, '--server', alpha, '--token-file', join(fleet.dir, 'admin.token')]);
}

test('GET /v1/profiles lists every named profile under the prefix', async () => {
  const r = await adminRequest(fleet.instances[0]?.adminUrl() ?? '', 'GET', '/v1/profiles', { token: fleet.token });
  assert.equal(r.status, 200, r.text);
  const profiles = (r.json as { profiles: { name: string; enforced: boolean; valid: boolean; revision: string }[] }).profiles;
  assert.deepEqual(profiles.map((p) => [p.name, p.enforced, p.valid]), [['alpha', true, true], ['beta', false, true]]);
  const kvs = (await etcd.client().getAll().prefix(`${PREFIX}profiles/`).exec()).kvs;
  assert.deepEqual(profiles.map((p) => p.revision), kvs.map((kv) => String(kv.mod_revision)));
});

test('ranges add --profile beta through the alpha instance changes beta only', async () => {
  const [alpha, beta] = fleet.instances;
  assert.ok(alpha !== undefined && beta !== undefined);
  const r = await cli(['add', '127.0.0.9', '--profile', 'beta']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(async () => (await curlFrom('127.0.0.9', beta.port(), { cacert: fleet.upstream.cert, timeoutS: 3 })).code === 0, 3000, 'beta enforces the change');
  assert.notEqual((await curlFrom('127.0.0.9', alpha.port(), { cacert: fleet.upstream.cert, timeoutS: 3 })).code, 0, 'alpha is unchanged');
  const show = await cli(['show', '--profile', 'beta', '--output', 'json']);
  assert.equal(show.code, 0, show.stderr);
  assert.deepEqual(JSON.parse(show.stdout).authorizedIpRanges, ['127.0.0.1/32', '127.0.0.9']);
  const own = await cli(['show', '--profile', 'alpha', '--output', 'json']);
  assert.deepEqual(JSON.parse(own.stdout).authorizedIpRanges, ['127.0.0.1/32']);
  // A stale ETag on a named profile is refused like on the enforced one.
  const stale = await cli(['remove', '127.0.0.9', '--profile', 'beta', '--if-match', '"1"']);
  assert.equal(stale.code, 2);
  assert.match(stale.stderr, /ERR_PRECONDITION/);
});

test('a bad profile name and an unknown profile are clear errors', async () => {
  const bad = await cli(['show', '--profile', 'no/such']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_PROFILE_NAME/);
  const missing = await cli(['show', '--profile', 'gamma']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ERR_PROFILE_NOT_FOUND/);
});
