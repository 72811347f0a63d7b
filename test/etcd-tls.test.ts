/**
 * The etcd store over TLS with client certificates (store.etcd.caFile, certFile, keyFile), against a real
 * etcd that serves clients on https only and requires a client certificate signed by its CA:
 * - an instance given the CA and a client certificate seeds the profile, enforces it, and stores a change
 *   made through the admin API in etcd;
 * - an instance that trusts another CA, or presents no client certificate (or one from another CA), cannot
 *   reach etcd: with no cache file it refuses every source, reports the store degraded and why, and refuses
 *   writes; it never fails open.
 * Config checks and the wording of TLS failures: test/etcd-tls-config.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, metricValue, readyz } from './helpers/clients.js';
import { makeCa, makeClientCert, makeEtcdCerts, type EtcdCerts } from './helpers/etcd-certs.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from './helpers/etcd.js';
import { startIpgate } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';
import { sleep, waitFor } from './helpers/wait.js';

const PREFIX = '/tls/';
const KEY = `${PREFIX}profiles/default`;
let certsDir: { dir: string; remove: () => Promise<void> };
let certs: EtcdCerts;
let etcd: RunningEtcd;
let fleet: Fleet;

before(async () => {
  certsDir = await tempDir('ipgate-etcd-tls-');
  certs = await makeEtcdCerts(certsDir.dir);
  etcd = await startEtcd({ tls: certs });
  fleet = await startFleet({
    count: 1,
    etcd: () => ({ endpoints: [etcd.endpoint], prefix: PREFIX, caFile: certs.ca.cert, certFile: certs.client.cert, keyFile: certs.client.key }),
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'] },
    cache: false,
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
  await certsDir?.remove();
});

function instance(): Fleet['instances'][number] {
  const i = fleet.instances[0];
  assert.ok(i !== undefined);
  return i;
}

test('etcd serves https only: the endpoint is https and the store reads it with the client certificate', async () => {
  assert.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  const i = instance();
  assert.equal((await readyz(i.adminUrl())).status, 'ready');
  const m = (await adminRequest(i.adminUrl(), 'GET', '/metrics')).text;
  assert.equal(metricValue(m, 'ipgate_store_up'), 1);
});

test('the config profile seeds etcd over TLS and is enforced', async () => {
  const i = instance();
  const stored = await etcd.client().get(KEY).exec();
  const kv = stored.kvs[0];
  assert.ok(kv !== undefined, 'the seed was written to etcd');
  assert.deepEqual((JSON.parse(kv.value.toString('utf8')) as { authorizedIpRanges: string[] }).authorizedIpRanges, ['127.0.0.1/32', '127.0.0.2/32']);
  const r = await adminRequest(i.adminUrl(), 'GET', '/v1/profile', { token: fleet.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(String(r.headers['etag']), `"${String(kv.mod_revision)}"`, 'the ETag is the etcd mod revision');
  assert.equal(await fleet.reaches('127.0.0.2', i.port()), true, 'allowed source reaches the upstream');
  assert.equal(await fleet.reaches('127.0.0.9', i.port()), false, 'other source refused');
});

test('a change through the admin API is stored in etcd over TLS and enforced', async () => {
  const i = instance();
  const r = await adminRequest(i.adminUrl(), 'PATCH', '/v1/profile', { token: fleet.token, body: { add: ['127.0.0.9/32'], remove: ['127.0.0.2/32'] } });
  assert.equal(r.status, 200, r.text);
  const stored = (await etcd.client().get(KEY).exec()).kvs[0];
  assert.ok(stored !== undefined);
  assert.equal(String(r.headers['etag']), `"${String(stored.mod_revision)}"`);
  assert.deepEqual((JSON.parse(stored.value.toString('utf8')) as { authorizedIpRanges: string[] }).authorizedIpRanges, ['127.0.0.1/32', '127.0.0.9/32']);
  await waitFor(async () => (await fleet.reaches('127.0.0.9', i.port())) && !(await fleet.reaches('127.0.0.2', i.port())), 3000, '127.0.0.9 allowed and 127.0.0.2 refused');
});

/** Starts an instance without cache file whose store.etcd has `tls`, in its own dir under the fleet's. */
async function startMisconfigured(name: string, tls: Record<string, string>): Promise<Awaited<ReturnType<typeof startIpgate>>> {
  const dir = join(fleet.dir, name);
  await mkdir(dir);
  return startIpgate(
    dir,
    {
      upstream: `127.0.0.1:${fleet.upstream.port}`,
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      admin: { address: '127.0.0.1:0', tokenFile: join(fleet.dir, 'admin.token') },
      auditLog: 'off',
      store: { etcd: { endpoints: [etcd.endpoint], prefix: PREFIX, ...tls } },
    },
    { readyTimeoutMs: 10_000 },
  );
}

/** The TLS alert etcd sends when it refuses the client certificate (or its absence). */
const CLIENT_CERT_REFUSED = /bad certificate|certificate required|unknown ca/i;

/** Each misconfiguration, and the TLS failure that the store reports for it (as the TLS library words it). */
const misconfigurations: { name: string; tls: () => Promise<Record<string, string>>; why: RegExp }[] = [
  {
    name: 'a wrong CA (another self-signed CA)',
    why: /unable to verify the first certificate|certificate verify failed|self.signed/i,
    tls: async () => ({ caFile: (await makeCa(certsDir.dir, 'other-ca')).cert, certFile: certs.client.cert, keyFile: certs.client.key }),
  },
  { name: 'no client certificate', why: CLIENT_CERT_REFUSED, tls: () => Promise.resolve({ caFile: certs.ca.cert }) },
  {
    name: 'a client certificate from another CA',
    why: CLIENT_CERT_REFUSED,
    tls: async () => {
      const stranger = await makeClientCert(certsDir.dir, 'stranger-client', await makeCa(certsDir.dir, 'stranger-ca'));
      return { caFile: certs.ca.cert, certFile: stranger.cert, keyFile: stranger.key };
    },
  },
];

for (const [n, bad] of misconfigurations.entries()) {
  test(`an instance with ${bad.name} cannot reach etcd: it refuses everyone, reports degraded, refuses writes`, async () => {
    // etcd holds a profile allowing 127.0.0.1 and 127.0.0.9; the good instance enforces it.
    assert.equal(await fleet.reaches('127.0.0.9', instance().port()), true);
    const revisionBefore = String((await etcd.client().get(KEY).exec()).kvs[0]?.mod_revision);
    const bare = await startMisconfigured(`bad${n}`, await bad.tls());
    try {
      const line = await waitFor(() => bare.logs().find((l) => l['event'] === 'store-degraded'), 3000, 'store-degraded line');
      assert.match(String(line['detail']), /etcd unreachable at start .*no store\.cacheFile configured: refusing every source/s);
      assert.match(String(line['detail']), bad.why, 'the log names the TLS failure');
      const port = bare.ports.get('public') ?? 0;
      for (const source of ['127.0.0.1', '127.0.0.9', '127.0.0.2']) assert.equal(await fleet.reaches(source, port), false, `${source} refused (never fail open)`);
      // Several probes later it is still cut off: the TLS problem does not go away by retrying.
      await sleep(2500);
      const ready = await readyz(bare.adminUrl ?? '');
      assert.equal(ready.status, 'degraded');
      assert.match(String(ready.store?.detail), /etcd unreachable/);
      assert.match(String(ready.store?.detail), bad.why, '/readyz names the TLS failure');
      const m = (await adminRequest(bare.adminUrl ?? '', 'GET', '/metrics')).text;
      assert.equal(metricValue(m, 'ipgate_store_up'), 0);
      assert.equal(await fleet.reaches('127.0.0.1', port), false, 'still refused');
      const w = await adminRequest(bare.adminUrl ?? '', 'PATCH', '/v1/profile', { token: fleet.token, body: { add: ['127.0.0.7/32'] } });
      assert.equal(w.status, 503, w.text);
      assert.equal((w.json as { code: string }).code, 'ERR_STORE_UNAVAILABLE');
      assert.equal(String((await etcd.client().get(KEY).exec()).kvs[0]?.mod_revision), revisionBefore, 'nothing was written');
    } finally {
      await bare.stop('SIGKILL');
    }
  });
}
