/**
 * The nftables data plane against its peers, side by side in one run, all inside a network namespace of the
 * benchmark's own (kernel rules never touch the host's ruleset). nginx is the upstream (a tiny HTTP 200,
 * standing in for the API server); wrk runs from 127.0.0.1, an allowed source.
 *
 *   allowed path, new connections (`Connection: close`) and keepalive, as ratios to no filter at all; one
 *   nginx listens on several ports and each peer's rules match only its own, so all run at once and a round
 *   measures them back to back:
 *     none            wrk -> nginx :8090, no rule matches (the limit)
 *     nft-10k/100k    ipgate `dataplane: nftables` protecting :8080, 10,000 / 100,000 ranges
 *     ipset-10k/100k  iptables `-m set ! --match-set allow src -j REJECT` with a hash:net ipset on :8081 (the
 *                     classic peer; Debian's iptables is iptables-nft, the match runs through nft_compat)
 *     haproxy-10k     ipgate `dataplane: haproxy` (managed, one thread) on :8082 in front of nginx :8090
 *   refusal flood from 127.0.0.3 against nft-10k: CPU of ipgate's process, and connections nginx accepted
 *   update to enforcement at 100,000 ranges: one entry added (PATCH), a full replace (PUT of another list)
 *
 *   node dist/bench/nftables.bench.js
 *   BENCH_SECONDS=5 BENCH_ROUNDS=3 node dist/bench/nftables.bench.js
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Netns } from '../test/helpers/netns.js';
import type { Spawned } from '../test/helpers/ipgate.js';
import { makeRanges, nginxUpstreamConfig } from './gateway/configs.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const BIN = join(root, 'bin', 'ipgate.js');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '4');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '2');
const UP = 8080;
const HX = 8082;
const ADMIN = 'http://127.0.0.1:9090';
const TOKEN = randomBytes(16).toString('hex');

const dir = mkdtempSync(join(tmpdir(), 'ipgate-nftbench-'));
const ns = await Netns.create('bench');
const stops: (() => Promise<void>)[] = [];

async function waitPort(port: number): Promise<void> {
  await ns.must('bash', ['-c', `for i in $(seq 300); do (echo > /dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.05; done; exit 1`]);
}

async function stopSpawned(s: Spawned): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await s.exited;
}

async function wrk(port: number, close: boolean): Promise<number> {
  const args = ['-t1', '-c32', `-d${SECONDS}s`, ...(close ? ['-H', 'Connection: close'] : []), `http://127.0.0.1:${port}/`];
  const out = (await ns.exec('wrk', args)).stdout;
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  if (errors !== undefined && /connect [1-9]/.test(errors)) console.log(`  (wrk socket errors on ${port}: ${errors})`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 'NaN');
}

async function startIpgate(name: string, ranges: readonly string[], dataplane: Record<string, unknown>, listenPort: number, adminPort = 9090): Promise<Spawned> {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  await ns.must('mkdir', ['-p', d]);
  writeFileSync(join(d, 'admin.token'), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(d, 'profile.json'), JSON.stringify({ authorizedIpRanges: ranges, egressIpRanges: [] }));
  writeFileSync(
    join(d, 'ipgate.yaml'),
    stringify({
      ...(dataplane['type'] === 'nftables' ? {} : { upstream: `127.0.0.1:${NONE}` }),
      listeners: [{ name: 'public', address: `127.0.0.1:${listenPort}` }],
      admin: { address: `127.0.0.1:${adminPort}`, tokenFile: join(d, 'admin.token') },
      store: { file: join(d, 'profile.json') },
      auditLog: 'off',
      ...(Object.keys(dataplane).length === 0 ? {} : { dataplane }),
    }),
  );
  const s = ns.spawn(process.execPath, [BIN, 'serve', '--config', join(d, 'ipgate.yaml')]);
  const deadline = Date.now() + 120_000;
  while (!s.stdout().includes('ipgate: ready')) {
    if (s.child.exitCode !== null || Date.now() > deadline) throw new Error(`ipgate (${name}) did not start:\n${s.stdout()}${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return s;
}

const NONE = 8090;
const IPSET = 8081;

/** Rules for one size: ipgate (nftables) protecting UP, an ipset protecting IPSET, the HAProxy data plane on HX. */
async function peersUp(size: number): Promise<() => Promise<void>> {
  const ranges = makeRanges(size);
  const nft = await startIpgate(`nft-${size}`, ranges, { type: 'nftables', verifyIntervalMs: 600_000 }, UP);
  const file = join(dir, `ipset-${size}.restore`);
  writeFileSync(file, `create ipgate-allow hash:net family inet hashsize 65536 maxelem 262144\n${ranges.map((r) => `add ipgate-allow ${r}`).join('\n')}\n`);
  await ns.must('ipset', ['restore', '-f', file]);
  await ns.must('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', String(IPSET), '-m', 'set', '!', '--match-set', 'ipgate-allow', 'src', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
  const hx = size === 10_000 ? await startIpgate('hx', ranges, { type: 'haproxy', mode: 'managed', stateDir: join(dir, 'hx', 'state'), threads: 1 }, HX, 9091) : undefined;
  if (hx !== undefined) await waitPort(HX);
  return async () => {
    if (hx !== undefined) await stopSpawned(hx);
    await stopSpawned(nft);
    await ns.must(process.execPath, [BIN, 'nft', 'remove']);
    await ns.must('iptables', ['-F', 'INPUT']);
    await ns.must('ipset', ['destroy', 'ipgate-allow']);
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

/**
 * The allowed path. All peers run at once, each on its own port of the same nginx (the rules match only
 * their port), so a round measures them back to back and the ratio to `none` (a port no rule matches) is
 * taken within the round: load on the machine that drifts between rounds cancels out.
 */
async function allowedPath(): Promise<void> {
  console.log(`allowed path (wrk -t1 -c32 ${SECONDS}s from 127.0.0.1, nginx upstream; ${ROUNDS} rounds, each peer once per round in rotated order; median of the per-round ratio to none):`);
  console.log('  peer           new conn/s   ratio    keepalive req/s   ratio');
  for (const size of [10_000, 100_000]) {
    const down = await peersUp(size);
    try {
      const peers: { name: string; port: number }[] = [
        { name: 'none', port: NONE },
        { name: `nft-${size / 1000}k`, port: UP },
        { name: `ipset-${size / 1000}k`, port: IPSET },
        ...(size === 10_000 ? [{ name: 'haproxy-10k', port: HX }] : []),
      ];
      const abs = new Map<string, { close: number[]; keep: number[] }>();
      const ratio = new Map<string, { close: number[]; keep: number[] }>();
      for (const p of peers) {
        abs.set(p.name, { close: [], keep: [] });
        ratio.set(p.name, { close: [], keep: [] });
      }
      for (let round = 0; round < ROUNDS; round++) {
        const order = [...peers.slice(round % peers.length), ...peers.slice(0, round % peers.length)];
        const got = new Map<string, { close: number; keep: number }>();
        for (const p of order) got.set(p.name, { close: await wrk(p.port, true), keep: await wrk(p.port, false) });
        const none = got.get('none');
        for (const [name, r] of got) {
          abs.get(name)?.close.push(r.close);
          abs.get(name)?.keep.push(r.keep);
          if (none === undefined) continue;
          ratio.get(name)?.close.push(r.close / none.close);
          ratio.get(name)?.keep.push(r.keep / none.keep);
        }
      }
      for (const p of peers) {
        if (p.name === 'none' && size !== 10_000) continue;
        const a = abs.get(p.name);
        const q = ratio.get(p.name);
        if (a === undefined || q === undefined) continue;
        console.log(`  ${p.name.padEnd(13)} ${median(a.close).toFixed(0).padStart(11)}  ${median(q.close).toFixed(3)}x  ${median(a.keep).toFixed(0).padStart(16)}  ${median(q.keep).toFixed(3)}x`);
      }
    } finally {
      await down();
    }
  }
  console.log('  target: nftables >= 0.97x none');
}

/** utime + stime of a process in ms (clock ticks of /proc/PID/stat, 100 a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One-entry PATCHes timed per data plane (each followed by the PATCH that takes the entry out again). */
const PATCHES = 15;

async function floodAndUpdates(): Promise<void> {
  const s = await startIpgate('nft-flood', makeRanges(10_000), { type: 'nftables', verifyIntervalMs: 600_000 }, UP);
  try {
    const pid = s.child.pid ?? 0;
    const nginxPid = Number(readFileSync(join(dir, 'nginx-upstream.pid'), 'utf8').trim());
    const before = { ipgate: cpuMs(pid), nginx: cpuMs(nginxPid) };
    const flood = await ns.exec(process.execPath, [join(here, 'gateway', 'flood-main.js'), '127.0.0.1', String(UP), '127.0.0.3', String(SECONDS), '64']);
    const after = { ipgate: cpuMs(pid), nginx: cpuMs(nginxPid) };
    const result = JSON.parse(flood.stdout.trim().split('\n').pop() ?? '{}') as { refused: number; notRefused: number; connectErrors: number; seconds: number };
    const counters = (await ns.must('nft', ['-j', 'list', 'counters', 'table', 'inet', 'ipgate'])).stdout;
    const refusedByKernel = Number(/"name": "refused_0"[^}]*"packets": (\d+)/.exec(counters)?.[1] ?? 'NaN');
    const attempts = result.refused + result.notRefused + result.connectErrors;
    console.log(`refusal flood from 127.0.0.3 (${SECONDS}s, 64 loops) against nft-10k: ${(attempts / result.seconds).toFixed(0)} attempts/s, ${result.notRefused} got through,`);
    console.log(`  kernel refused ${refusedByKernel}; CPU during the flood: ipgate ${after.ipgate - before.ipgate} ms, nginx (upstream) ${after.nginx - before.nginx} ms`);
  } finally {
    await stopSpawned(s);
    await ns.must(process.execPath, [BIN, 'nft', 'remove']);
  }

  const a = makeRanges(100_000, 42);
  const b = makeRanges(100_000, 43);
  const u = await startIpgate('nft-update', a, { type: 'nftables', verifyIntervalMs: 600_000 }, UP);
  try {
    const probe = async (method: string, path: string, body: unknown, source: string, expect: 'allowed' | 'refused'): Promise<{ enforcedMs: number; answeredMs: number; status: number }> => {
      const file = join(dir, 'body.json');
      writeFileSync(file, JSON.stringify(body));
      const out = await ns.must(process.execPath, [join(here, 'nftables', 'update-probe.js'), ADMIN, TOKEN, method, path, file, source, String(UP), expect]);
      return JSON.parse(out.stdout.trim()) as { enforcedMs: number; answeredMs: number; status: number };
    };
    const one: { enforcedMs: number; answeredMs: number }[] = [];
    for (let i = 0; i < PATCHES; i++) {
      one.push(await probe('PATCH', '/v1/profile?force=true', { add: ['127.0.0.9/32'] }, '127.0.0.9', 'allowed'));
      await probe('PATCH', '/v1/profile?force=true', { remove: ['127.0.0.9/32'] }, '127.0.0.9', 'refused');
    }
    const full: { enforcedMs: number; answeredMs: number }[] = [];
    for (let i = 0; i < 3; i++) {
      full.push(await probe('PUT', '/v1/profile?force=true', { authorizedIpRanges: [...b, '127.0.0.9/32'], egressIpRanges: [] }, '127.0.0.9', 'allowed'));
      full.push(await probe('PUT', '/v1/profile?force=true', { authorizedIpRanges: a, egressIpRanges: [] }, '127.0.0.9', 'refused'));
    }
    const show = (label: string, xs: { enforcedMs: number; answeredMs: number }[], target: string): void => {
      console.log(`  ${label}: enforced after median ${median(xs.map((x) => x.enforcedMs)).toFixed(0)} ms (max ${Math.max(...xs.map((x) => x.enforcedMs)).toFixed(0)}), answered (read back) after median ${median(xs.map((x) => x.answeredMs)).toFixed(0)} ms; target ${target}`);
    };
    console.log('admin update -> enforcement at 100,000 ranges (from the request to the first connection that sees the change):');
    show('one entry added (PATCH)', one, '< 100 ms');
    show('full replace (PUT of another 100,000)', full, '< 300 ms');
    // The split of each transaction from ipgate's own log: planning (ipgate), nft's commit (for a delta
    // through the long-lived nft session), reading the changed sets back.
    const applied = u
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"nft-applied"'))
      .map((l) => JSON.parse(l) as { kind: string; incremental?: boolean; plannedMs: number; plannedCpuMs?: number; enforcedMs: number; ms: number });
    for (const kind of ['delta', 'full']) {
      const xs = applied.filter((x) => x.kind === kind);
      if (xs.length === 0) continue;
      const plan = median(xs.map((x) => x.plannedMs));
      const commit = median(xs.map((x) => x.enforcedMs - x.plannedMs));
      const readBack = median(xs.map((x) => x.ms - x.enforcedMs));
      const planCpu = median(xs.map((x) => x.plannedCpuMs ?? NaN));
      console.log(`  ${kind} transactions (${xs.length}, ${xs.filter((x) => x.incremental === true).length} planned incrementally), medians: plan ${plan.toFixed(0)} ms (CPU ${planCpu.toFixed(0)} ms), nft commit ${commit.toFixed(0)} ms, read back ${readBack.toFixed(0)} ms; total ${median(xs.map((x) => x.ms)).toFixed(0)} ms`);
    }
    console.log(`  (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores)`);
  } finally {
    await stopSpawned(u);
    await ns.must(process.execPath, [BIN, 'nft', 'remove']);
  }
  // The same writes against the Node data plane, which enforces as soon as the profile is swapped: what the
  // admin API, the store and compiling 100,000 entries cost before any data plane is involved.
  const n = await startIpgate('node-update', a, {}, 8082);
  try {
    const time = async (method: string, body: unknown): Promise<number> => {
      const started = performance.now();
      const r = await ns.admin(ADMIN, method, '/v1/profile?force=true', { token: TOKEN, body });
      if (r.status !== 200) throw new Error(r.text);
      return performance.now() - started;
    };
    const one: number[] = [];
    for (let i = 0; i < PATCHES; i++) {
      one.push(await time('PATCH', { add: ['127.0.0.9/32'] }));
      await time('PATCH', { remove: ['127.0.0.9/32'] });
    }
    const full: number[] = [];
    for (let i = 0; i < 3; i++) full.push(await time('PUT', { authorizedIpRanges: [...b, '127.0.0.9/32'], egressIpRanges: [] }), await time('PUT', { authorizedIpRanges: a, egressIpRanges: [] }));
    console.log(`  the same requests to the Node data plane (admin API + store + compile only, curl round trip): PATCH median ${median(one).toFixed(0)} ms, PUT median ${median(full).toFixed(0)} ms`);
  } finally {
    await stopSpawned(n);
  }
}

try {
  // One nginx, several ports: each peer's rules match only its own port; 8090 has none.
  writeFileSync(join(dir, 'up.conf'), nginxUpstreamConfig(dir, UP).replace(`listen 127.0.0.1:${UP} backlog=4096;`, [UP, IPSET, NONE].map((p) => `listen 127.0.0.1:${p} backlog=4096;`).join('\n    ')));
  const nginx = ns.spawn('nginx', ['-e', join(dir, 'up.err'), '-p', dir, '-c', join(dir, 'up.conf')]);
  stops.push(() => stopSpawned(nginx));
  await waitPort(UP);
  console.log(`nftables data plane benchmark (in network namespace ${ns.name})`);
  const parts = process.env['BENCH_PARTS'] ?? 'path,updates';
  if (parts.includes('path')) await allowedPath();
  if (parts.includes('updates')) await floodAndUpdates();
} finally {
  for (const stop of stops.reverse()) await stop();
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
}
