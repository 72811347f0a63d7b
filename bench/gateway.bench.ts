/**
 * The gateway side by side with its peers, in one run, on loopback, all in front of the same upstream:
 *   - HAProxy (tcp mode, `tcp-request connection reject unless { src -f FILE }`, nbthread 1)
 *   - nginx `stream` with one `allow` line per range and `deny all` (one worker)
 *   - the obvious Node proxy (`net.BlockList` + `pipe`, bench/gateway/naive-proxy.ts)
 *   - ipgate (`ipgate serve --ranges FILE`)
 * The upstream is nginx answering a tiny HTTP 200 (one worker, keepalive on): the loads are HTTP through TCP
 * passthrough, which is exactly what the gateways forward.
 * At 200 and 10,000 ranges (127.0.0.1 and 127.0.0.2 inside them, 127.0.0.3 outside), three loads:
 *   - new connections from an allowed source: `wrk -H 'Connection: close'` (wrk connects from 127.0.0.1);
 *   - keepalive requests from an allowed source: `wrk`;
 *   - a flood of connections from a refused source (127.0.0.3): connect, wait for close, repeat.
 * Then the time from an admin update (PATCH remove) to enforcement in ipgate, p50/p99 over ~20 updates.
 * With two or more CPUs the gateway under test is pinned to CPU 1 and every load generator and the
 * upstream to CPU 0, so each gateway gets exactly one core.
 *
 *   node dist/bench/gateway.bench.js
 *   BENCH_SECONDS=15 BENCH_RANGES=200,10000,100000 BENCH_PEERS=haproxy,ipgate node dist/bench/gateway.bench.js
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, type Running } from './gateway/processes.js';
import { makeRanges, nginxUpstreamConfig } from './gateway/configs.js';
import { PEERS, probe, refusalFlood, runCapture, startPeer, type Peer } from './gateway/peers.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '5');
const SIZES = (process.env['BENCH_RANGES'] ?? '200,10000').split(',').map(Number);
const selected = new Set((process.env['BENCH_PEERS'] ?? PEERS.join(',')).split(',')) as Set<string>;
const UPDATES = Number(process.env['BENCH_UPDATES'] ?? '20');
const WRK_CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? '50');
const FLOOD_CONCURRENCY = Number(process.env['BENCH_FLOOD_CONCURRENCY'] ?? '64');

const pinned = availableParallelism() >= 2;
const GATEWAY_CPU = pinned ? 1 : undefined;
const LOAD_CPU = pinned ? 0 : undefined;

type Load = 'newConn' | 'keepalive' | 'refusals';
const LOAD_LABEL: Record<Load, string> = {
  newConn: 'new conn/s (allowed)',
  keepalive: 'keepalive req/s',
  refusals: 'refusals/s (flood)',
};

interface Cell {
  value: number;
  note: string;
}

async function wrk(port: number, close: boolean): Promise<Cell> {
  const args = ['-t1', `-c${WRK_CONNECTIONS}`, `-d${SECONDS}s`, ...(close ? ['-H', 'Connection: close'] : []), `http://127.0.0.1:${port}/`];
  const out = await runCapture('wrk', args, LOAD_CPU, (SECONDS + 30) * 1000);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const socketErrors = /Socket errors: (.*)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const notes: string[] = [];
  if (socketErrors !== null) notes.push(`socket errors: ${socketErrors[1] ?? ''}`);
  if (non2xx !== null) notes.push(`non-2xx: ${non2xx[1] ?? ''}`);
  return { value: rate === null ? Number.NaN : Number(rate[1]), note: notes.join('; ') };
}

async function admin(adminPort: number, token: string, body: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/v1/profile`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`PATCH /v1/profile answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer().catch(() => undefined);
}

async function waitFor(port: number, source: string, allowed: boolean, started: number): Promise<number> {
  const deadline = started + 5000;
  while (performance.now() < deadline) {
    if ((await probe(port, source)) === allowed) return performance.now() - started;
  }
  throw new Error(`source ${source} still ${allowed ? 'refused' : 'allowed'} 5 s after the update`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function updateLatency(port: number, adminPort: number, token: string): Promise<{ remove: number[]; add: number[] }> {
  const remove: number[] = [];
  const add: number[] = [];
  for (let i = 0; i < UPDATES; i += 1) {
    let started = performance.now();
    await admin(adminPort, token, { add: [], remove: ['127.0.0.2/32'] });
    remove.push(await waitFor(port, '127.0.0.2', false, started));
    started = performance.now();
    await admin(adminPort, token, { add: ['127.0.0.2/32'], remove: [] });
    add.push(await waitFor(port, '127.0.0.2', true, started));
  }
  return { remove: remove.sort((a, b) => a - b), add: add.sort((a, b) => a - b) };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  return `${(a / b).toFixed(2)}x`;
}

async function main(): Promise<void> {
  for (const tool of ['wrk', 'haproxy', 'nginx']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      console.error(`gateway bench: ${tool} is missing; run scripts/setup.sh`);
      process.exit(2);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'ipgate-bench-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const upstreamPort = await freePort();
  const upstreamCfg = join(dir, 'nginx-upstream.conf');
  writeFileSync(upstreamCfg, nginxUpstreamConfig(dir, upstreamPort));
  const upstream = await startProcess('upstream', 'nginx', ['-e', join(dir, 'nginx-upstream.err'), '-p', dir, '-c', upstreamCfg], { host: '127.0.0.1', port: upstreamPort }, LOAD_CPU);
  const running: Running[] = [upstream];
  const stopAll = async (): Promise<void> => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

  console.log(`gateway benchmark: ${SECONDS} s per cell, ranges ${SIZES.join(', ')}, ${pinned ? 'gateway pinned to CPU 1, load + upstream to CPU 0' : 'no CPU pinning (1 CPU)'}`);
  console.log(`upstream: nginx HTTP 200 (1 worker); wrk -t1 -c${WRK_CONNECTIONS}; flood: ${FLOOD_CONCURRENCY} parallel connect/close loops from 127.0.0.3\n`);
  const results = new Map<string, Cell>(); // `${size}|${load}|${peer}`
  let latency: { size: number; remove: number[]; add: number[] } | undefined;
  try {
    for (const size of SIZES) {
      const ranges = makeRanges(size);
      for (const peer of PEERS) {
        if (!selected.has(peer)) continue;
        const started = await startPeer(peer, dir, ranges, upstreamPort, { cpu: GATEWAY_CPU });
        running.push(started.running);
        try {
          // Sanity first: the allowed source gets through and the refused one does not.
          if (!(await probe(started.port, '127.0.0.2'))) throw new Error(`${peer}: 127.0.0.2 was refused`);
          if (await probe(started.port, '127.0.0.3')) throw new Error(`${peer}: 127.0.0.3 was let through`);
          const cells: [Load, () => Promise<Cell>][] = [
            ['newConn', () => wrk(started.port, true)],
            ['keepalive', () => wrk(started.port, false)],
            ['refusals', () => refusalFlood(started.port, SECONDS, FLOOD_CONCURRENCY, LOAD_CPU)],
          ];
          for (const [load, measure] of cells) {
            const cell = await measure();
            results.set(`${size}|${load}|${peer}`, cell);
            console.log(`  ${String(size).padStart(6)} ranges  ${peer.padEnd(8)} ${LOAD_LABEL[load].padEnd(22)} ${fmt(cell.value).padStart(9)}${cell.note === '' ? '' : `  (${cell.note})`}`);
          }
          if (peer === 'ipgate' && size === Math.max(...SIZES) && started.adminPort !== undefined && started.token !== undefined) {
            latency = { size, ...(await updateLatency(started.port, started.adminPort, started.token)) };
          }
        } finally {
          await started.running.stop();
          running.splice(running.indexOf(started.running), 1);
        }
      }
    }
  } finally {
    await stopAll();
  }

  const shown = PEERS.filter((p) => selected.has(p));
  console.log('');
  const header = ['ranges', 'load'.padEnd(22), ...shown.map((p) => p.padStart(9)), 'ipgate/haproxy', 'ipgate/naive', 'target'];
  console.log(header.join('  '));
  const target: Record<Load, string> = { newConn: '>= 1.0x naive', keepalive: '>= 0.7x haproxy', refusals: '>= 1.0x haproxy' };
  for (const size of SIZES) {
    for (const load of ['newConn', 'keepalive', 'refusals'] as const) {
      const get = (p: Peer): number | undefined => results.get(`${size}|${load}|${p}`)?.value;
      console.log(
        [
          String(size).padStart(6),
          LOAD_LABEL[load].padEnd(22),
          ...shown.map((p) => fmt(get(p) ?? Number.NaN).padStart(9)),
          ratio(get('ipgate'), get('haproxy')).padStart(14),
          ratio(get('ipgate'), get('naive')).padStart(12),
          target[load],
        ].join('  '),
      );
    }
  }
  if (latency !== undefined) {
    const f = (xs: number[], p: number): string => `${percentile(xs, p).toFixed(1)} ms`;
    console.log(
      `\nipgate admin update -> enforcement at ${latency.size} ranges (${latency.remove.length} updates, PATCH sent -> first probe with the new verdict):` +
        `\n  remove: p50 ${f(latency.remove, 50)}, p99 ${f(latency.remove, 99)}, max ${f(latency.remove, 100)}` +
        `\n  add:    p50 ${f(latency.add, 50)}, p99 ${f(latency.add, 99)}, max ${f(latency.add, 100)}`,
    );
  }
}

await main();
