/**
 * `ipgate serve --check --config FILE`, run for real: every problem of a config is printed on its own line
 * with its code (a wrong type, a missing token file and a range with host bits are three lines), exit 2; a
 * good config exits 0 with one summary line, without binding its ports (they are taken while it runs) or
 * dialing the upstream (a listener there counts connections); the store is checked (etcd reachable, its
 * key valid, seeded or missing; a store file that does not validate); the etcd TLS files are read; in
 * HAProxy managed mode the rendered config goes through a real `haproxy -c`; with nftables, nft must run.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { startEtcd, type RunningEtcd } from './helpers/etcd.js';
import { runIpgate } from './helpers/ipgate.js';
import { freePort } from './helpers/ports.js';
import { tempDir } from './helpers/tmp.js';

let tmp: { dir: string; remove: () => Promise<void> };
let etcd: RunningEtcd;
let token: string;

before(async () => {
  tmp = await tempDir('ipgate-check-test-');
  token = join(tmp.dir, 'admin.token');
  await writeFile(token, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  etcd = await startEtcd();
});
after(async () => {
  await etcd.close();
  await tmp.remove();
});

async function check(name: string, config: Record<string, unknown> | string): Promise<{ code: number | string; stdout: string; stderr: string; lines: string[] }> {
  const file = join(tmp.dir, `${name}.yaml`);
  await writeFile(file, typeof config === 'string' ? config : stringify(config));
  const r = await runIpgate(['serve', '--check', '--config', file]);
  return { ...r, lines: r.stderr.split('\n').filter((l) => / \(ERR_[A-Z0-9_]+\)$/.test(l)) };
}

function listen(port: number, onConnection: () => void = () => undefined): Promise<Server> {
  const server = createServer((s) => {
    onConnection();
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

test('a wrong type, a missing token file and a range with host bits are three problems, each on its own line with its code', async () => {
  const r = await check('three', {
    upstream: '127.0.0.1:6444',
    listeners: [{ name: 'public', address: '127.0.0.1:6443', enforce: 'no' }],
    admin: { address: '127.0.0.1:9090', tokenFile: './no-such.token' },
    profile: { authorizedIpRanges: ['10.0.0.1/24'] },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.lines.length, 3, r.stderr);
  assert.match(r.stderr, /^ipgate: listeners\[0\]\.enforce: wrong type: .* \(ERR_CONFIG_TYPE\)$/m);
  assert.match(r.stderr, /^ipgate: admin\.tokenFile: .*no-such\.token.* \(ERR_TOKEN_FILE\)$/m);
  assert.match(r.stderr, /^ipgate: profile\.authorizedIpRanges\[0\]: .*10\.0\.0\.0\/24.* \(ERR_HOST_BITS\)$/m);
  assert.equal(r.stdout, '');
});

test('a good config exits 0 with one summary line, binding no port and never dialing the upstream', async () => {
  const [port, adminPort, upstreamPort] = [await freePort(), await freePort(), await freePort()];
  let dialed = 0;
  // The check must not need these ports: they are taken by someone else while it runs.
  const taken = [await listen(port), await listen(adminPort), await listen(upstreamPort, () => dialed++)];
  try {
    await mkdir(join(tmp.dir, 'state'), { recursive: true });
    const r = await check('good', {
      upstream: `127.0.0.1:${upstreamPort}`,
      listeners: [{ name: 'public', address: `127.0.0.1:${port}` }],
      admin: { address: `127.0.0.1:${adminPort}`, tokenFile: token },
      store: { file: './state/profile.json' },
      profile: { authorizedIpRanges: ['203.0.113.0/24'] },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stdout, /^ipgate: config .*good\.yaml is valid: listeners public 127\.0\.0\.1:\d+ .*store file .*profile\.json \(absent: the config's profile will seed it, 1 authorized, 0 egress\)$/m);
    assert.equal(dialed, 0, 'the upstream was never dialed');
  } finally {
    await Promise.all(taken.map(close));
  }
});

test('a store file that does not validate is a problem with its code', async () => {
  await writeFile(join(tmp.dir, 'bad-store.json'), JSON.stringify({ authorizedIpRanges: ['10.0.0.1/8'] }));
  const r = await check('bad-store', { upstream: '127.0.0.1:6444', listeners: [{ name: 'public', address: '127.0.0.1:6443' }], store: { file: './bad-store.json' } });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.lines.length, 1, r.stderr);
  assert.match(r.lines[0] ?? '', /^ipgate: store\.file: .*bad-store\.json.* \(ERR_[A-Z_]+\)$/);
});

test('etcd: a valid key passes; an unreachable etcd, a missing key and an invalid value are problems', async () => {
  const base = { upstream: '127.0.0.1:6444', listeners: [{ name: 'public', address: '127.0.0.1:6443' }] };
  const client = etcd.client();
  await client.put('/check/profiles/good').value(JSON.stringify({ authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] }));
  await client.put('/check/profiles/broken').value('{"authorizedIpRanges": ["not-an-address"]}');
  const good = await check('etcd-good', { ...base, store: { etcd: { endpoints: [etcd.endpoint], prefix: '/check/', profile: 'good' } } });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /store etcd key \/check\/profiles\/good revision \d+ \(1 authorized, 0 egress\)/);

  const missing = await check('etcd-missing', { ...base, store: { etcd: { endpoints: [etcd.endpoint], prefix: '/check/', profile: 'absent' } } });
  assert.equal(missing.code, 2);
  assert.match(missing.lines.join('\n'), /does not exist and the config has no profile to seed it.* \(ERR_STORE_MISSING\)$/m);

  const broken = await check('etcd-broken', { ...base, store: { etcd: { endpoints: [etcd.endpoint], prefix: '/check/', profile: 'broken' } } });
  assert.equal(broken.code, 2);
  assert.equal(broken.lines.length, 1, broken.stderr);
  assert.match(broken.lines[0] ?? '', /\/check\/profiles\/broken/);

  const down = await check('etcd-down', { ...base, store: { etcd: { endpoints: [`http://127.0.0.1:${await freePort()}`], profile: 'good' } } });
  assert.equal(down.code, 2);
  assert.match(down.lines.join('\n'), /etcd cannot be reached.* \(ERR_STORE_UNAVAILABLE\)$/m);
});

test('etcd TLS files are read: a CA file that is not a certificate is a problem, next to the config\'s own', async () => {
  await writeFile(join(tmp.dir, 'ca.pem'), 'not a certificate\n');
  const r = await check('tls', {
    upstream: '127.0.0.1:6444',
    listeners: [{ name: 'public', address: '127.0.0.1:6443', enforce: 1 }],
    store: { etcd: { endpoints: ['https://127.0.0.1:2379'], caFile: './ca.pem', certFile: './no-such-cert.pem', keyFile: './no-such-key.pem' } },
    profile: { authorizedIpRanges: ['203.0.113.0/24'] },
  });
  assert.equal(r.code, 2);
  assert.match(r.lines.join('\n'), /^ipgate: store\.etcd\.caFile: .*not a PEM certificate.* \(ERR_ETCD_TLS\)$/m);
  assert.match(r.lines.join('\n'), /^ipgate: store\.etcd\.certFile: .*no-such-cert\.pem.* \(ERR_ETCD_TLS\)$/m);
  assert.match(r.lines.join('\n'), /^ipgate: listeners\[0\]\.enforce: .* \(ERR_CONFIG_TYPE\)$/m);
});

test('HAProxy managed: the rendered config passes haproxy -c, and what HAProxy refuses is reported', async () => {
  const base = {
    listeners: [{ name: 'public', address: `127.0.0.1:${await freePort()}`, proxyProtocol: { trustedFrom: ['127.0.0.1/32'] } }],
    profile: { authorizedIpRanges: ['203.0.113.0/24'] },
    dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(tmp.dir, 'haproxy') },
  };
  const good = await check('haproxy-good', { ...base, upstream: '127.0.0.1:6444' });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /HAProxy managed \(haproxy -c passed\)$/m);
  // HAProxy resolves the upstream's name when it reads its config; ipgate's config accepts any name.
  const refused = await check('haproxy-refused', { ...base, upstream: 'no-such-host.invalid:6444' });
  assert.equal(refused.code, 2);
  assert.match(refused.lines.join('\n'), /^ipgate: dataplane: HAProxy refused the configuration .*could not resolve address 'no-such-host\.invalid'.* \(ERR_HAPROXY_CONFIG\)$/m);
  const missing = await check('haproxy-missing', { ...base, upstream: '127.0.0.1:6444', dataplane: { ...base.dataplane, binary: '/nonexistent/haproxy' } });
  assert.equal(missing.code, 2);
  assert.match(missing.lines.join('\n'), /\(ERR_HAPROXY_NOT_FOUND\)$/m);
});

test('nftables: nft must run (a missing binary is ERR_NFT_UNAVAILABLE); no upstream is needed', async () => {
  const base = { listeners: [{ name: 'public', address: '127.0.0.1:6443' }], profile: { authorizedIpRanges: ['203.0.113.0/24'] } };
  const good = await check('nft-good', { ...base, dataplane: { type: 'nftables' } });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /-> kernel rules, no proxy; .*; nftables \(nftables v[\d.]+.*; the rules are checked by the kernel when applied\)$/m);
  const missing = await check('nft-missing', { ...base, dataplane: { type: 'nftables', binary: '/nonexistent/nft' } });
  assert.equal(missing.code, 2);
  assert.match(missing.lines.join('\n'), /^ipgate: dataplane\.binary: Cannot use nft \("\/nonexistent\/nft"\).* \(ERR_NFT_UNAVAILABLE\)$/m);
});

test('--check needs --config', async () => {
  const r = await runIpgate(['serve', '--check', '--listen', '127.0.0.1:6443', '--upstream', '127.0.0.1:6444', '--ranges', 'x.txt']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--check: give the config to check with --config FILE.*\(ERR_USAGE\)/);
});

test('the admin tokens file and the admin TLS files are checked too', async () => {
  await writeFile(join(tmp.dir, 'tokens.yaml'), '- { name: ci, scope: admin, sha256: abc }\n');
  await writeFile(join(tmp.dir, 'admin.crt'), 'not a certificate\n');
  const r = await check('admin-files', {
    upstream: '127.0.0.1:6444',
    listeners: [{ name: 'public', address: '127.0.0.1:6443' }],
    admin: { address: '127.0.0.1:9090', tokensFile: './tokens.yaml', tls: { certFile: './admin.crt', keyFile: './no-such.key' } },
    profile: { authorizedIpRanges: ['10.0.0.0/24'] },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^ipgate: admin\.tokensFile: .*tokens\.yaml.*scope.* \(ERR_TOKENS_FILE\)$/m);
  assert.match(r.stderr, /^ipgate: admin\.tls: .*no-such\.key.* \(ERR_ADMIN_TLS\)$/m);
  assert.equal(r.lines.length, 2, r.stderr);
});
