/**
 * The etcd store with range sources, with real parts: one etcd, two `ipgate serve` instances that share the
 * profile and declare `text` sources served over loopback. A reference to a configured source (`office:`)
 * written through one instance's admin API, or straight into etcd, is accepted and enforced (expanded) by
 * both; a reference to an unknown source is refused with close matches and changes nothing; the cache file
 * keeps the reference, and an instance restarted while etcd is down enforces it.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest, curlFrom, type AdminResult } from './helpers/clients.js';
import { startEtcd, type RunningEtcd } from './helpers/etcd.js';
import { startIpgate, type RunningIpgate } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';
import { startUpstream, type DemoUpstream } from './helpers/upstream.js';
import { waitFor } from './helpers/wait.js';
import { startFixtureServer, type FixtureServer } from './sources-fixture-server.js';

const PREFIX = '/sources/';
const KEY = `${PREFIX}profiles/default`;
const TOKEN = 'etcd-sources-test-token-0123456789abcdef';

interface Instance {
  readonly dir: string;
  readonly config: Record<string, unknown>;
  ipgate: RunningIpgate;
}

let etcd: RunningEtcd;
let server: FixtureServer;
let upstream: DemoUpstream;
let root: { dir: string; remove: () => Promise<void> };
const instances: Instance[] = [];

before(async () => {
  etcd = await startEtcd();
  server = await startFixtureServer();
  server.routes.set('/office.txt', { body: '# office\n127.0.0.2/32\n', etag: true });
  server.routes.set('/lab.txt', { body: '# lab\n127.0.0.3/32\n', etag: true });
  root = await tempDir('ipgate-etcd-sources-');
  upstream = await startUpstream(root.dir);
  await writeFile(join(root.dir, 'admin.token'), `${TOKEN}\n`);
  for (const name of ['a', 'b']) {
    const dir = join(root.dir, name);
    await mkdir(dir);
    const config = {
      upstream: `127.0.0.1:${upstream.port}`,
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      admin: { address: '127.0.0.1:0', tokenFile: join(root.dir, 'admin.token') },
      auditLog: 'off',
      store: { etcd: { endpoints: [etcd.endpoint], prefix: PREFIX }, cacheFile: 'state/last-known-good.json' },
      sources: [
        { name: 'office', type: 'text', url: `${server.base}/office.txt`, refresh: '24h' },
        { name: 'lab', type: 'text', url: `${server.base}/lab.txt`, refresh: '24h' },
      ],
      sourceFetch: { timeoutMs: 400, retries: 0, backoffMs: 10 },
      // Seeds etcd (create-if-absent) on first start.
      profile: { authorizedIpRanges: ['127.0.0.1/32'], egressIpRanges: [] },
    };
    instances.push({ dir, config, ipgate: await startIpgate(dir, config, { readyTimeoutMs: 10_000 }) });
  }
});

after(async () => {
  await Promise.all(instances.map(async (i) => (i.ipgate.child.exitCode === null && i.ipgate.child.signalCode === null ? i.ipgate.stop('SIGKILL') : undefined)));
  await upstream?.close();
  await server?.close();
  await etcd?.close();
  await root?.remove();
});

function instance(i: number): Instance {
  const found = instances[i];
  assert.ok(found !== undefined);
  return found;
}

function port(i: Instance): number {
  return i.ipgate.ports.get('public') ?? 0;
}

function admin(i: Instance, method: string, path: string, body?: unknown): Promise<AdminResult> {
  return adminRequest(i.ipgate.adminUrl ?? '', method, path, { token: TOKEN, ...(body === undefined ? {} : { body }) });
}

async function reaches(source: string, i: Instance): Promise<boolean> {
  return (await curlFrom(source, port(i), { cacert: upstream.cert, timeoutS: 3 })).code === 0;
}

/** Waits until `allowed` connects and `refused` does not, on instance `i`. */
async function enforces(i: Instance, allowed: string, refused: string): Promise<void> {
  await waitFor(async () => (await reaches(allowed, i)) && !(await reaches(refused, i)), 5000, `${allowed} allowed and ${refused} refused on ${i.dir}`);
}

async function explain(i: Instance, ip: string): Promise<Record<string, unknown>> {
  const r = await admin(i, 'GET', `/v1/explain?ip=${ip}`);
  assert.equal(r.status, 200, r.text);
  return r.json as Record<string, unknown>;
}

async function stored(i: Instance): Promise<string[]> {
  const r = await admin(i, 'GET', '/v1/profile');
  assert.equal(r.status, 200, r.text);
  return (r.json as { authorizedIpRanges: string[] }).authorizedIpRanges;
}

async function etcdValue(): Promise<{ revision: string; value: string }> {
  const kv = (await etcd.client().get(KEY).exec()).kvs[0];
  assert.ok(kv !== undefined, `${KEY} exists`);
  return { revision: String(kv.mod_revision), value: kv.value.toString('utf8') };
}

function noRejections(i: Instance): void {
  const rejected = i.ipgate.logs().filter((l) => l['event'] === 'profile-rejected' || l['event'] === 'sources-expansion-refused');
  assert.deepEqual(rejected, [], `no refused profile on ${i.dir}`);
}

test('a reference added through one instance is stored in etcd and enforced by both; explain names it', async () => {
  const [a, b] = [instance(0), instance(1)];
  for (const i of [a, b]) {
    assert.deepEqual(await stored(i), ['127.0.0.1/32']);
    assert.equal(await reaches('127.0.0.2', i), false, 'not yet allowed');
  }
  const patched = await admin(a, 'PATCH', '/v1/profile', { add: ['office:'] });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual((patched.json as { profile: { authorizedIpRanges: string[] } }).profile.authorizedIpRanges, ['127.0.0.1/32', 'office:']);
  // etcd holds the reference as written (not its expansion).
  assert.deepEqual((JSON.parse((await etcdValue()).value) as { authorizedIpRanges: string[] }).authorizedIpRanges, ['127.0.0.1/32', 'office:']);
  for (const i of [a, b]) {
    await enforces(i, '127.0.0.2', '127.0.0.3');
    await waitFor(async () => (await stored(i)).includes('office:'), 3000, `office: in the profile of ${i.dir}`);
    assert.deepEqual(await explain(i, '127.0.0.2'), {
      address: '127.0.0.2', allowed: true, reason: 'authorized', matched: '127.0.0.2/32', reference: 'office:', source: 'office',
    });
    assert.equal((await explain(i, '127.0.0.3'))['allowed'], false);
    noRejections(i);
  }
});

test('a reference to an unknown source is refused with 400 and close matches, changing nothing', async () => {
  const [a, b] = [instance(0), instance(1)];
  const before = await etcdValue();
  for (const i of [a, b]) {
    const r = await admin(i, 'PATCH', '/v1/profile', { add: ['ofice:'] });
    assert.equal(r.status, 400, r.text);
    const body = r.json as { code: string; errors: Array<{ entry: string; code: string; message: string; suggestion?: string }> };
    assert.equal(body.code, 'ERR_PROFILE_INVALID');
    assert.equal(body.errors[0]?.entry, 'ofice:');
    assert.equal(body.errors[0]?.code, 'ERR_SOURCE_UNKNOWN');
    assert.match(body.errors[0]?.message ?? '', /no source named "ofice".*did you mean "office"/);
    assert.equal(body.errors[0]?.suggestion, 'office:');
  }
  assert.deepEqual(await etcdValue(), before, 'etcd unchanged');
  for (const i of [a, b]) assert.deepEqual(await stored(i), ['127.0.0.1/32', 'office:']);
});

test('a value with a reference written straight into etcd is accepted by both instances', async () => {
  const [a, b] = [instance(0), instance(1)];
  await etcd.client().put(KEY).value(JSON.stringify({ authorizedIpRanges: ['127.0.0.1/32', 'lab:'], egressIpRanges: [] }));
  const { revision } = await etcdValue();
  for (const i of [a, b]) {
    await enforces(i, '127.0.0.3', '127.0.0.2');
    const r = await admin(i, 'GET', '/v1/profile');
    assert.equal(r.headers['etag'], `"${revision}"`, r.text);
    assert.deepEqual((r.json as { authorizedIpRanges: string[] }).authorizedIpRanges, ['127.0.0.1/32', 'lab:']);
    assert.equal((await explain(i, '127.0.0.3'))['reference'], 'lab:');
    const listed = (await admin(i, 'GET', '/v1/profiles')).json as { profiles: Array<{ name: string; valid: boolean }> };
    assert.deepEqual(listed.profiles.map((p) => [p.name, p.valid]), [['default', true]]);
    noRejections(i);
  }
});

test('the cache file keeps the reference; an instance restarted with etcd down enforces it', async () => {
  const b = instance(1);
  const { revision } = await etcdValue();
  const cacheFile = join(b.dir, 'state', 'last-known-good.json');
  const cached = await waitFor(async () => {
    const c = JSON.parse(await readFile(cacheFile, 'utf8')) as { revision: string; value: { authorizedIpRanges: string[] } };
    return c.revision === revision ? c : undefined;
  }, 3000, 'the cache file at the etcd revision');
  assert.deepEqual(cached.value.authorizedIpRanges, ['127.0.0.1/32', 'lab:']);

  // A value naming a known source but an unknown selection passes the store's check, yet the gateway cannot
  // expand it and keeps the profile in force: the cache must keep following what is enforced, not etcd.
  const rejectedBefore = b.ipgate.logs().filter((l) => l['event'] === 'profile-rejected').length;
  await etcd.client().put(KEY).value(JSON.stringify({ authorizedIpRanges: ['127.0.0.1/32', 'lab:nope'], egressIpRanges: [] }));
  await waitFor(() => b.ipgate.logs().filter((l) => l['event'] === 'profile-rejected').length > rejectedBefore || undefined, 3000, 'the unexpandable value refused');
  await enforces(b, '127.0.0.3', '127.0.0.2');
  const kept = JSON.parse(await readFile(cacheFile, 'utf8')) as { revision: string; value: { authorizedIpRanges: string[] } };
  assert.equal(kept.revision, revision, 'the cache still holds the profile in force');
  assert.deepEqual(kept.value.authorizedIpRanges, ['127.0.0.1/32', 'lab:']);

  // Offline: etcd is gone and the source answers 500, so both the profile and the source data come from
  // this instance's caches.
  await etcd.kill();
  server.routes.set('/lab.txt', { body: '', status: 500 });
  assert.equal(await b.ipgate.stop('SIGTERM'), 0);
  b.ipgate = await startIpgate(b.dir, b.config, { readyTimeoutMs: 10_000 });
  const degraded = await waitFor(() => b.ipgate.logs().find((l) => l['event'] === 'store-degraded'), 3000, 'store-degraded line');
  assert.match(String(degraded['detail']), new RegExp(`last known good profile from .*last-known-good\\.json \\(revision ${revision}\\)`));
  await enforces(b, '127.0.0.3', '127.0.0.2');
  assert.equal(await reaches('127.0.0.4', b), false, 'never open');
  assert.deepEqual(await stored(b), ['127.0.0.1/32', 'lab:']);
  assert.equal((await explain(b, '127.0.0.3'))['reference'], 'lab:');
  assert.ok(server.requests.some((r) => r.path === '/lab.txt' && r.status === 500), 'the source was really down');
  noRejections(b);
});
