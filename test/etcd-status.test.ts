/**
 * `ipgate status` and GET /v1/status: three instances against one real etcd publish lease-bound records
 * under `<prefix>instances/`; any instance shows all three with the revision they enforce (an instance of
 * another named profile in the same etcd is not one of them); an instance that
 * cannot follow a change (its process stopped) is flagged stale after a few seconds and recovers once it runs
 * again; an instance that stops drops out of the view; with a file store the one instance is shown; an
 * instance that cannot reach etcd shows itself, its store down, with a note. The answer has exactly the fields
 * docs/admin-api.md documents.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminRequest } from './helpers/clients.js';
import { startEtcd, startFleet, type Fleet, type RunningEtcd } from './helpers/etcd.js';
import { ROOT, runIpgate } from './helpers/ipgate.js';
import { gatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';

const PREFIX = '/status/';
let etcd: RunningEtcd;
let fleet: Fleet;

interface Row {
  id: string;
  listeners: string[];
  admin: string | null;
  revision: string;
  store: { up: boolean };
  lastSeenSeconds: number;
  self: boolean;
  stale: boolean;
  problem: string | null;
}
interface Status {
  revision: string;
  instances: Row[];
  stale: number;
  problem: string | null;
}

before(async () => {
  etcd = await startEtcd();
  // The fourth instance enforces another cluster's profile in the same etcd: another fleet.
  fleet = await startFleet({
    count: 4,
    etcd: (i) => ({ endpoints: [etcd.endpoint], prefix: PREFIX, profile: i === 3 ? 'other' : 'default' }),
    profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'] },
  });
});
after(async () => {
  await fleet?.close();
  await etcd?.close();
});

async function status(url: string): Promise<Status> {
  const r = await adminRequest(url, 'GET', '/v1/status', { token: fleet.token });
  assert.equal(r.status, 200, r.text);
  return r.json as Status;
}

function flags(): string[] {
  return ['--server', fleet.instances[0]?.adminUrl() ?? '', '--token-file', join(fleet.dir, 'admin.token')];
}

test('every instance publishes a lease-bound record; any instance shows all three, none stale', async () => {
  await waitFor(async () => (await etcd.client().getAll().prefix(`${PREFIX}instances/`).keys()).length === 4, 5000, 'four records');
  const records = await etcd.client().getAll().prefix(`${PREFIX}instances/`).exec();
  assert.equal(records.kvs.length, 4);
  for (const kv of records.kvs) assert.notEqual(String(kv.lease), '0', `${kv.key.toString()} is bound to a lease`);
  // Each record says the store is up once the instance's watch is connected.
  await waitFor(async () => (await status(fleet.instances[0]?.adminUrl() ?? '')).instances.filter((r) => r.store.up).length === 3, 5000, 'every store up');
  const other = await status(fleet.instances[3]?.adminUrl() ?? '');
  assert.deepEqual(other.instances.map((r) => r.self), [true], 'an instance of another profile sees only its own fleet');
  for (const i of fleet.instances.slice(0, 3)) {
    const s = await status(i.adminUrl());
    assert.equal(s.instances.length, 3);
    assert.equal(s.stale, 0);
    assert.equal(s.instances.filter((r) => r.self).length, 1);
    assert.ok(s.instances.every((r) => r.revision === s.revision && r.store.up && !r.stale), JSON.stringify(s, null, 1));
    assert.deepEqual(s.instances.map((r) => r.admin).sort(), fleet.instances.slice(0, 3).map((f) => f.adminUrl().replace('http://', '')).sort());
  }
  const text = await runIpgate(['status', ...flags()]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^INSTANCE\s+LISTENERS\s+ADMIN\s+PROFILE\s+REVISION\s+STORE\s+LAST SEEN\s+STATE$/m);
  assert.equal(text.stdout.match(/ ok$/gm)?.length, 3, text.stdout);
  const json = await runIpgate(['status', ...flags(), '-o', 'json']);
  assert.equal((JSON.parse(json.stdout) as Status).instances.length, 3);
  const yaml = await runIpgate(['status', ...flags(), '--output', 'yaml']);
  assert.match(yaml.stdout, /^instances:$/m);
});

test('an instance that does not follow a change is flagged stale after a few seconds, and recovers', async () => {
  const [a, , c] = fleet.instances;
  assert.ok(a !== undefined && c !== undefined);
  c.ipgate.child.kill('SIGSTOP');
  try {
    const r = await adminRequest(a.adminUrl(), 'PATCH', '/v1/profile', { token: fleet.token, body: { add: ['127.0.0.7/32'] } });
    assert.equal(r.status, 200, r.text);
    const newest = String(r.headers['etag']).replace(/"/g, '');
    // Not at once: an instance gets a few seconds to catch up.
    const early = await status(a.adminUrl());
    assert.equal(early.stale, 0);
    // It is flagged for its revision once it lags 5 s (and, having stopped writing its record, as not seen).
    const flagged = await waitFor(async () => {
      const s = await status(a.adminUrl());
      return s.stale === 1 && s.instances.some((i) => /behind revision/.test(i.problem ?? '')) ? s : undefined;
    }, 15_000, 'the stopped instance to be flagged');
    assert.equal(flagged.revision, newest);
    const stale = flagged.instances.find((i) => i.stale);
    assert.ok(stale !== undefined && stale.revision !== newest && /behind revision/.test(stale.problem ?? ''), JSON.stringify(stale));
    const cli = await runIpgate(['status', ...flags()]);
    assert.equal(cli.code, 1, 'exit 1 when an instance is stale');
    assert.match(cli.stdout, /STALE: enforces revision \d+, behind revision \d+/);
  } finally {
    c.ipgate.child.kill('SIGCONT');
  }
  await waitFor(async () => (await status(a.adminUrl())).stale === 0, 15_000, 'the instance to catch up');
});

test('an instance that stops drops out of the fleet view at once', async () => {
  const [a, b] = fleet.instances;
  assert.ok(a !== undefined && b !== undefined);
  const id = (await status(b.adminUrl())).instances.find((i) => i.self)?.id;
  assert.equal(await b.ipgate.stop('SIGTERM'), 0);
  const s = await status(a.adminUrl());
  assert.equal(s.instances.length, 2);
  assert.ok(!s.instances.some((i) => i.id === id));
});

test('with a file store the one instance is the fleet', async () => {
  const fx = await gatewayFixture((dir) => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    store: { file: join(dir, 'profile.json') },
    profile: { authorizedIpRanges: ['127.0.0.1/32'] },
  }));
  try {
    await writeFile(join(fx.dir, 'cli.token'), fx.token);
    const r = await runIpgate(['status', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'cli.token'), '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Status;
    assert.equal(s.instances.length, 1);
    assert.equal(s.instances[0]?.self, true);
    assert.deepEqual(s.instances[0]?.listeners, [`127.0.0.1:${fx.port()}`]);
  } finally {
    await fx.close();
  }
});

/** The keys of an object and of the objects in it (the first element stands for an array), as paths. */
function shape(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return shape(value[0], `${at}[]`);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${at}.${k}`, ...shape(v, `${at}.${k}`)]).sort();
}

test('GET /v1/status answers with exactly the fields docs/admin-api.md documents', async () => {
  const doc = await readFile(join(ROOT, 'docs/admin-api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Fleet status'));
  const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(example !== undefined, 'the section has a JSON example');
  const real = await status(fleet.instances[0]?.adminUrl() ?? '');
  assert.deepEqual(shape(real), shape(JSON.parse(example)));
  // Every field is in the table too.
  for (const path of shape(real)) {
    const field = path.replace(/^\./, '').replace(/\[\]/g, '[]');
    if (field.startsWith('instances[].store.')) continue;
    assert.ok(section.includes(`| \`${field}\` |`), `docs/admin-api.md's table names ${field}`);
  }
});

test('an instance that cannot reach etcd shows itself alone, its store down, and says why', async () => {
  const a = fleet.instances[0];
  assert.ok(a !== undefined);
  await etcd.kill();
  try {
    const s = await waitFor(async () => {
      const r = await status(a.adminUrl());
      return r.problem !== null && r.instances[0]?.store.up === false ? r : undefined;
    }, 20_000, 'the answering instance to see etcd down');
    assert.equal(s.instances.length, 1);
    assert.equal(s.instances[0]?.self, true);
    assert.match(s.problem ?? '', /cannot be read from the store/);
    const cli = await runIpgate(['status', ...flags()]);
    assert.equal(cli.code, 1, `exit 1 when only part of the fleet can be seen: ${cli.stderr}`);
    assert.match(cli.stdout, / DOWN /);
    assert.match(cli.stdout, /^note: the instance records cannot be read/m);
  } finally {
    await etcd.restart();
  }
});
