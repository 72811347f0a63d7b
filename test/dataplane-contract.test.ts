/**
 * One contract, three data planes: the same profiles are put in force through the admin API of the Node
 * gateway, the managed HAProxy and the nftables data plane, and real curl clients from IPv4 and IPv6
 * sources must get through exactly where ipgate's decision allows them (egress ranges, `0.0.0.0/32`,
 * disabled, IPv4-mapped entries, `enforce: false`). Everything runs in a network namespace of the test's
 * own (nftables rules exist only there); the demo TLS upstream listens on [::] inside it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compileProfile } from '../src/policy/decide.js';
import type { Profile } from '../src/policy/profile.js';
import { BIN, startIpgate, type RunningIpgate, type Spawned } from './helpers/ipgate.js';
import { Netns } from './helpers/netns.js';
import { upstreamIn } from './helpers/nft-fixture.js';
import { tempDir } from './helpers/tmp.js';

const UPSTREAM = 8443;
const UPSTREAM_INTERNAL = 8444;
const SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.10', '::1', 'fd00::2', 'fd00::3'] as const;
type Source = (typeof SOURCES)[number];

interface Case {
  readonly name: string;
  readonly profile: Profile;
  readonly allowed: readonly Source[];
}

const CASES: readonly Case[] = [
  {
    name: 'authorized and egress ranges, both families',
    profile: { authorizedIpRanges: ['127.0.0.2/32', 'fd00::2/128'], egressIpRanges: ['127.0.0.10/32'] },
    allowed: ['127.0.0.2', '127.0.0.10', 'fd00::2'],
  },
  {
    name: '0.0.0.0/32: the egress ranges only',
    profile: { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: ['127.0.0.10/32', 'fd00::3/128'] },
    allowed: ['127.0.0.10', 'fd00::3'],
  },
  {
    name: '0.0.0.0/32 without egress ranges: nobody',
    profile: { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: [] },
    allowed: [],
  },
  {
    name: 'disabled (no authorized ranges): everybody',
    profile: { authorizedIpRanges: [], egressIpRanges: [] },
    allowed: [...SOURCES],
  },
  {
    name: 'IPv4-mapped entries are IPv4; ::/0 admits no IPv4 client',
    profile: { authorizedIpRanges: ['::ffff:127.0.0.2/128', '::/0'], egressIpRanges: [] },
    allowed: ['127.0.0.2', '::1', 'fd00::2', 'fd00::3'],
  },
  {
    name: 'an IPv4-mapped range',
    profile: { authorizedIpRanges: ['::ffff:127.0.0.0/126'], egressIpRanges: [] },
    allowed: ['127.0.0.2', '127.0.0.3'],
  },
];

let ns: Netns;
let dir: string;
let removeDir: () => Promise<void>;
const upstreams: Spawned[] = [];
const token = randomBytes(24).toString('hex');

before(async () => {
  ns = await Netns.create('contract');
  for (const address of ['fd00::2/128', 'fd00::3/128']) await ns.must('ip', ['addr', 'add', address, 'dev', 'lo', 'nodad']);
  ({ dir, remove: removeDir } = await tempDir('ipgate-contract-'));
  await writeFile(join(dir, 'admin.token'), `${token}\n`, { mode: 0o600 });
  upstreams.push(await upstreamIn(ns, UPSTREAM, dir), await upstreamIn(ns, UPSTREAM_INTERNAL, dir));
});
after(async () => {
  for (const u of upstreams) u.child.kill('SIGKILL');
  await Promise.all(upstreams.map((u) => u.exited));
  await ns?.remove();
  await removeDir?.();
});

/** The plane's config and where its listeners are (public: dual-stack; internal: not enforced). */
interface Plane {
  readonly config: (planeDir: string) => Record<string, unknown>;
  readonly publicPort: number;
  readonly internalPort: number;
}

const PROXIED = (planeDir: string): Record<string, unknown> => ({
  upstream: `127.0.0.1:${UPSTREAM}`,
  listeners: [
    { name: 'public', address: '[::]:7443' },
    { name: 'internal', address: '127.0.0.1:7444', enforce: false },
  ],
  store: { file: join(planeDir, 'profile.json') },
});

const PLANES: Readonly<Record<string, Plane>> = {
  node: { config: PROXIED, publicPort: 7443, internalPort: 7444 },
  haproxy: { config: (d) => ({ ...PROXIED(d), dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(d, 'hx') } }), publicPort: 7443, internalPort: 7444 },
  nftables: {
    config: (d) => ({
      listeners: [
        { name: 'public', address: `[::]:${UPSTREAM}` },
        { name: 'internal', address: `127.0.0.1:${UPSTREAM_INTERNAL}`, enforce: false },
      ],
      store: { file: join(d, 'profile.json') },
      dataplane: { type: 'nftables' },
    }),
    publicPort: UPSTREAM,
    internalPort: UPSTREAM_INTERNAL,
  },
};

async function reaches(source: Source, port: number): Promise<boolean> {
  const host = source.includes(':') ? '::1' : '127.0.0.1';
  return (await ns.curl(source, host, port, join(dir, 'upstream.crt'), 3)).code === 0;
}

for (const [name, plane] of Object.entries(PLANES)) {
  test(`contract: ${name}`, async (t) => {
    const planeDir = join(dir, name);
    await mkdir(planeDir);
    await writeFile(join(planeDir, 'admin.token'), `${token}\n`, { mode: 0o600 });
    let ipgate: RunningIpgate | undefined;
    try {
      ipgate = await startIpgate(planeDir, {
        admin: { address: '127.0.0.1:9090', tokenFile: 'admin.token' },
        auditLog: 'off',
        profile: CASES[0]?.profile,
        ...plane.config(planeDir),
      }, { wrap: ns.wrap, readyTimeoutMs: 20_000 });
      for (const c of CASES) {
        const put = await ns.admin('http://127.0.0.1:9090', 'PUT', '/v1/profile?force=true', { token, body: c.profile });
        assert.equal(put.status, 200, `${c.name}: ${put.text}`);
        const compiled = compileProfile(c.profile);
        const seen: Source[] = [];
        for (const source of SOURCES) {
          assert.equal(compiled.decide(source).allowed, c.allowed.includes(source), `${c.name}: ipgate's own decision for ${source}`);
          if (await reaches(source, plane.publicPort)) seen.push(source);
        }
        assert.deepEqual(seen, c.allowed, `${name}, ${c.name}: sources that got through`);
        t.diagnostic(`${c.name}: ${seen.join(', ') || 'nobody'}`);
      }
      for (const source of ['127.0.0.3', '127.0.0.10'] as const) {
        assert.equal(await reaches(source, plane.internalPort), true, `${name}: enforce: false lets ${source} through`);
      }
    } finally {
      await ipgate?.stop('SIGTERM');
      if (name === 'nftables') await ns.exec(process.execPath, [BIN, 'nft', 'remove']);
    }
  });
}
