/**
 * Attach mode and the contract with the Node gateway. The test runs its own HAProxy (real 2.6) with a
 * runtime socket and the allow-map rules from the README; `ipgate serve` attaches to it. A second ipgate
 * runs the built-in Node gateway; both get the same profiles and must decide every source the same way.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { compileProfile } from '../src/policy/decide.js';
import { parseAddress } from '../src/cidr/parse.js';
import { formatAddress } from '../src/cidr/format.js';
import { allowMapEntries, haproxyModelAllows, type MapEntry } from '../src/dataplane/allow-map.js';
import { enforcementRules } from '../src/dataplane/haproxy-config.js';
import { swapMap } from '../src/dataplane/map-swap.js';
import { RuntimeApi } from '../src/dataplane/runtime-api.js';
import type { Profile } from '../src/policy/profile.js';
import { adminRequest, metricValue } from './helpers/clients.js';
import { freePort } from './helpers/haproxy.js';
import { spawnTracked, startIpgate, type RunningIpgate, type Spawned } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

let dir: string;
let removeDir: () => Promise<void>;
let upstream: Server;
let haproxy: Spawned;
let hxPort: number;
let nodeGw: RunningIpgate;
let attached: RunningIpgate;
let token: string;
let api: RuntimeApi;
let mapFile: string;

before(async () => {
  ({ dir, remove: removeDir } = await tempDir('ipgate-dp-'));
  upstream = createServer((s) => {
    s.on('error', () => undefined);
    s.end('hi\n');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as { port: number }).port;
  hxPort = await freePort();
  mapFile = join(dir, 'allow.map');
  await writeFile(mapFile, '127.0.0.1/32 4\n');
  const socket = join(dir, 'admin.sock');
  await writeFile(
    join(dir, 'haproxy.cfg'),
    [
      'global',
      `  stats socket ${socket} mode 600 level admin`,
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend kube-api',
      `  bind [::]:${hxPort} v4v6`,
      ...enforcementRules(mapFile),
      '  default_backend be',
      'backend be',
      `  server s 127.0.0.1:${upPort}`,
      '',
    ].join('\n'),
  );
  haproxy = spawnTracked('haproxy', ['-W', '-db', '-f', join(dir, 'haproxy.cfg')]);
  api = new RuntimeApi(socket);
  await waitFor(() => api.command('show info').then(() => true, () => false), 5000, 'haproxy socket');
  token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'admin.token'), token);
  const common = { upstream: `127.0.0.1:${upPort}`, admin: { address: '127.0.0.1:0', tokenFile: 'admin.token' }, auditLog: 'off', profile: { authorizedIpRanges: ['127.0.0.1/32'] } };
  attached = await startIpgate(dir, { ...common, listeners: [{ name: 'public', address: '127.0.0.1:1' }], dataplane: { type: 'haproxy', mode: 'attach', socket, mapFile, frontends: ['kube-api'] } });
  const nodeDir = join(dir, 'node');
  await import('node:fs/promises').then((fs) => fs.mkdir(nodeDir));
  await writeFile(join(nodeDir, 'admin.token'), token);
  nodeGw = await startIpgate(nodeDir, { ...common, listeners: [{ name: 'public', address: '[::]:0' }] });
});

after(async () => {
  await attached?.stop('SIGTERM');
  await nodeGw?.stop('SIGTERM');
  haproxy?.child.kill('SIGTERM');
  await haproxy?.exited;
  await new Promise((r) => upstream.close(r));
  await removeDir();
});

/** true when the gateway let `source` through (the upstream's greeting arrived). */
function probe(port: number, source: string): Promise<boolean> {
  return new Promise((resolve) => {
    const host = source.includes(':') ? '::1' : '127.0.0.1';
    const s = connect({ host, port, localAddress: source });
    const done = (v: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), 2000);
    s.on('data', () => done(true));
    s.on('error', () => done(false));
    s.on('close', () => done(false));
  });
}

async function put(url: string | undefined, profile: Profile): Promise<void> {
  const res = await adminRequest(url ?? '', 'PUT', '/v1/profile?force=true', { token, body: profile });
  assert.equal(res.status, 200, res.text);
}

const TABLE: { name: string; profile: Profile }[] = [
  { name: 'IPv4', profile: { authorizedIpRanges: ['127.0.0.0/26', '127.3.0.0/16', '127.200.5.7/32'], egressIpRanges: [] } },
  { name: 'IPv6 and IPv4', profile: { authorizedIpRanges: ['::1/128', '127.0.0.128/25'], egressIpRanges: ['127.9.0.0/16'] } },
  { name: 'egress', profile: { authorizedIpRanges: ['10.0.0.0/8'], egressIpRanges: ['127.0.0.0/9'] } },
  { name: 'disabled', profile: { authorizedIpRanges: [], egressIpRanges: [] } },
  // Right after "everyone": nobody (egress only, with no egress range) must replace the list, not keep it.
  { name: 'never', profile: { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: [] } },
  { name: 'egress-only', profile: { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: ['127.64.0.0/10'] } },
  { name: 'all IPv6 (not IPv4-mapped)', profile: { authorizedIpRanges: ['::/0', '127.5.0.0/16'], egressIpRanges: [] } },
];

test('contract: the Node gateway and HAProxy make the same decision for random loopback sources', async () => {
  const nodePort = nodeGw.ports.get('public') ?? 0;
  const rnd = fc.sample(fc.tuple(fc.constantFrom(0, 0, 3, 5, 6, 9, 64, 100, 200), fc.nat(255), fc.nat(255)), { numRuns: 16, seed: 7 });
  const sources = ['::1', '127.0.0.1', '127.0.0.200', '127.200.5.7', ...rnd.map(([x, y, z]) => `127.${x}.${y}.${z === 0 ? 1 : z}`)];
  for (const { name, profile } of TABLE) {
    await put(nodeGw.adminUrl, profile);
    await put(attached.adminUrl, profile);
    const compiled = compileProfile(profile);
    let allowedSeen = 0;
    for (const source of sources) {
      const [viaNode, viaHaproxy] = [await probe(nodePort, source), await probe(hxPort, source)];
      assert.equal(viaHaproxy, viaNode, `${name}: ${source} node=${viaNode} haproxy=${viaHaproxy}`);
      assert.equal(viaNode, compiled.decide(source).allowed, `${name}: ${source} against the compiled profile`);
      if (viaNode) allowedSeen++;
    }
    assert.ok(allowedSeen > 0 || name === 'never', `${name}: the table exercises allowed sources`);
  }
});

/** HAProxy's own decision for an address, asked with `get map` (the same matcher as map_ip). */
async function haproxyAllows(address: string): Promise<boolean> {
  const answer = await api.command(`get map ${mapFile} ${address}`);
  const value = /found=yes.*value="([46])"/.exec(answer)?.[1];
  const parsed = parseAddress(address);
  const v4side = parsed.family === 4; // parseAddress reads ::ffff:a.b.c.d as IPv4
  return value === (v4side ? '4' : '6');
}

const arbRange = fc.oneof(
  fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })).map(([v, p]) => formatAddress({ family: 4, value: BigInt(v) }) + `/${p}`),
  fc.tuple(fc.constantFrom(0n, 0x2002n << 112n, 0xffffn << 32n, 0x20010db8n << 96n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 128 })).map(
    ([hi, lo, p]) => formatAddress({ family: 6, value: hi | lo }) + `/${p}`,
  ),
);

function canonical(text: string): string {
  const [addr, prefix] = text.split('/');
  const a = parseAddress(addr ?? '');
  const family = text.includes(':') ? 6 : 4;
  const value = family === 6 && a.family === 4 ? (0xffffn << 32n) | a.value : a.value;
  const p = Number(prefix);
  const host = (1n << BigInt((family === 4 ? 32 : 128) - p)) - 1n;
  return `${formatAddress({ family, value: value & ~host })}/${p}`;
}

const arbAddress = fc.oneof(
  fc.nat(0xffffffff).map((v) => formatAddress({ family: 4, value: BigInt(v) })),
  fc.nat(0xffffffff).map((v) => `::ffff:${formatAddress({ family: 4, value: BigInt(v) })}`),
  fc.nat(0xffffffff).map((v) => `::${formatAddress({ family: 4, value: BigInt(v) })}`),
  fc.nat(0xffffffff).map((v) => formatAddress({ family: 6, value: (0x2002n << 112n) | (BigInt(v) << 80n) | 1n })),
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((v) => formatAddress({ family: 6, value: v })),
);

test('exact semantics: HAProxy matching of mapped, IPv4-compatible and 6to4 sources equals ipgate (live get map)', async () => {
  const samples = fc.sample(fc.tuple(fc.array(arbRange, { minLength: 1, maxLength: 6 }), fc.array(arbAddress, { minLength: 12, maxLength: 12 })), { numRuns: 25, seed: 11 });
  for (const [ranges, addresses] of samples) {
    let profile: Profile;
    try {
      profile = { authorizedIpRanges: [...new Set(ranges.map(canonical))], egressIpRanges: [] };
      compileProfile(profile);
    } catch {
      continue; // e.g. 0.0.0.0/32 combined with others
    }
    await put(attached.adminUrl, profile);
    const compiled = compileProfile(profile);
    for (const address of addresses) {
      assert.equal(await haproxyAllows(address), compiled.decide(address).allowed, `${JSON.stringify(profile.authorizedIpRanges)} ${address}`);
    }
  }
});

test('the pure model of HAProxy matching agrees with ipgate on many random profiles', () => {
  fc.assert(
    fc.property(fc.array(arbRange, { minLength: 0, maxLength: 8 }), fc.array(arbAddress, { minLength: 1, maxLength: 10 }), (ranges, addresses) => {
      const profile = { authorizedIpRanges: [...new Set(ranges.map(canonical))], egressIpRanges: [] };
      let compiled;
      try {
        compiled = compileProfile(profile);
      } catch {
        return;
      }
      const entries: MapEntry[] = allowMapEntries(profile);
      for (const address of addresses) {
        const a = parseAddress(address);
        const raw = address.includes(':') ? { family: 6 as const, value: a.family === 4 ? (0xffffn << 32n) | a.value : a.value } : a;
        assert.equal(haproxyModelAllows(entries, raw.family, raw.value), compiled.decide(address).allowed, `${JSON.stringify(profile)} ${address}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('a 100,000-entry list is applied in one swap; a refused command or a lost socket keeps the last list', async () => {
  const entries: MapEntry[] = [];
  for (let i = 0; i < 100_000; i++) entries.push({ key: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, value: '4' });
  entries.push({ key: '127.0.0.1/32', value: '4' });
  const started = Date.now();
  await swapMap(api, mapFile, entries);
  const ms = Date.now() - started;
  assert.ok(await haproxyAllows('10.1.134.159'));
  assert.ok(await probe(hxPort, '127.0.0.1'));
  assert.ok(!(await probe(hxPort, '127.0.0.2')));
  const head = (await api.command('show map')).split('\n').find((l) => l.includes(mapFile)) ?? '';
  assert.ok(ms < 30_000, head);

  // A bad entry in the middle: HAProxy refuses it, the prepared version is cleared, the old list stays.
  const bad = [...entries.slice(0, 5000), { key: '10.999.0.0/16', value: '4' as const }, { key: '127.0.0.2/32', value: '4' as const }];
  await assert.rejects(swapMap(api, mapFile, bad), (e: { code?: string }) => e.code === 'ERR_HAPROXY_REFUSED');
  assert.ok(await haproxyAllows('10.1.134.159'), 'last list still in force');
  assert.ok(!(await probe(hxPort, '127.0.0.2')), 'nothing of the refused list is in force');
  await assert.rejects(swapMap(api, mapFile, []), (e: { code?: string }) => e.code === 'ERR_HAPROXY_EMPTY_LIST');
  await assert.rejects(swapMap(new RuntimeApi(join(dir, 'nope.sock')), mapFile, entries), (e: { code?: string }) => e.code === 'ERR_HAPROXY_SOCKET');
  await assert.rejects(swapMap(api, join(dir, 'other.map'), entries), (e: { code?: string }) => e.code === 'ERR_HAPROXY_REFUSED');
  await put(attached.adminUrl, { authorizedIpRanges: ['127.0.0.1/32'], egressIpRanges: [] });
  assert.match(await readFile(mapFile, 'utf8'), /^127\.0\.0\.1\/32 4$/m);
});

test('attach: the connection metrics are those of every data plane, by frontend name', async () => {
  await put(attached.adminUrl, { authorizedIpRanges: ['127.0.0.1/32'], egressIpRanges: [] });
  assert.ok(await probe(hxPort, '127.0.0.1'));
  assert.ok(!(await probe(hxPort, '127.0.0.3')));
  // HAProxy's stats are cached for half a second per scrape.
  await new Promise((r) => setTimeout(r, 600));
  const metrics = (await adminRequest(attached.adminUrl ?? '', 'GET', '/metrics')).text;
  for (const decision of ['allowed', 'refused']) {
    const shared = metricValue(metrics, 'ipgate_connections_total', `{listener="kube-api",decision="${decision}"}`);
    assert.ok((shared ?? 0) >= 1, metrics);
    assert.equal(shared, metricValue(metrics, 'ipgate_haproxy_connections_total', `{frontend="kube-api",decision="${decision}"}`));
  }
  assert.equal(metricValue(metrics, 'ipgate_active_connections', '{listener="kube-api"}'), 0, metrics);
});

test('attach: when HAProxy is gone, a change is stored but reported (ERR_HAPROXY_SOCKET) and readyz fails', async () => {
  haproxy.child.kill('SIGTERM');
  await haproxy.exited;
  const res = await adminRequest(attached.adminUrl ?? '', 'PATCH', '/v1/profile?force=true', { token, body: { add: ['127.0.0.9/32'] } });
  assert.equal(res.status, 502, res.text);
  assert.equal((res.json as { code: string }).code, 'ERR_HAPROXY_SOCKET');
  await waitFor(async () => (await adminRequest(attached.adminUrl ?? '', 'GET', '/readyz')).status === 503, 4000, 'readyz 503');
  assert.doesNotMatch(await readFile(mapFile, 'utf8'), /127\.0\.0\.9/);
});
