/**
 * Refusal flood, ipgate against HAProxy in paired rounds: both gateways run side by side (each pinned to the
 * same CPU, loaded one at a time), and each round floods one then the other (the order alternates), so a
 * slow moment of the machine hits both sides of a ratio alike. 10,000 ranges; the flooding source
 * (127.0.0.3) is outside all of them; ipgate writes its audit log to a file, as in production.
 * Prints each round's refusals per second and the ratio ipgate/HAProxy, the CPU time each gateway spent per
 * refusal (from /proc: on a busy machine the load generator may be the limit, the CPU cost still shows), then
 * the median ratios, and how many audit lines ipgate wrote.
 *
 *   node dist/bench/refusal-flood.bench.js
 *   BENCH_ROUNDS=8 BENCH_SECONDS=5 BENCH_RANGES=10000 node dist/bench/refusal-flood.bench.js
 *   BENCH_CPU_PROF=/tmp/prof node dist/bench/refusal-flood.bench.js   # also writes ipgate's CPU profile there
 *   BENCH_CONTENTION=2 node dist/bench/refusal-flood.bench.js        # N busy loops share the gateways' CPU
 * On a small machine the flood's client is usually the limit (both gateways keep up, the ratio is ~1.0x and
 * the CPU time per refusal tells them apart). With BENCH_CONTENTION the gateway's share of its CPU shrinks
 * until it is the limit, as on a busy host: the ratio then shows how many refusals each manages.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRanges, nginxUpstreamConfig } from './gateway/configs.js';
import { probe, refusalFlood, startPeer, type Peer, type StartedPeer } from './gateway/peers.js';
import { freePort, startProcess, type Running } from './gateway/processes.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '5');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '5');
const RANGES = Number(process.env['BENCH_RANGES'] ?? '10000');
const CONCURRENCY = Number(process.env['BENCH_FLOOD_CONCURRENCY'] ?? '64');
const CPU_PROF = process.env['BENCH_CPU_PROF'];
const CONTENTION = Number(process.env['BENCH_CONTENTION'] ?? '0');

const pinned = availableParallelism() >= 2;
const GATEWAY_CPU = pinned ? 1 : undefined;
const LOAD_CPU = pinned ? 0 : undefined;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2;
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  for (const tool of ['haproxy', 'nginx']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      console.error(`refusal-flood bench: ${tool} is missing; run scripts/setup.sh`);
      process.exit(2);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'ipgate-bench-flood-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const upstreamPort = await freePort();
  const upstreamCfg = join(dir, 'nginx-upstream.conf');
  writeFileSync(upstreamCfg, nginxUpstreamConfig(dir, upstreamPort));
  const running: Running[] = [];
  const burners: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const b of burners) b.kill('SIGKILL');
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    running.push(await startProcess('upstream', 'nginx', ['-e', join(dir, 'nginx-upstream.err'), '-p', dir, '-c', upstreamCfg], { host: '127.0.0.1', port: upstreamPort }, LOAD_CPU));
    const ranges = makeRanges(RANGES);
    const peers = new Map<Peer, StartedPeer>();
    for (const peer of ['haproxy', 'ipgate'] as const) {
      const started = await startPeer(peer, dir, ranges, upstreamPort, {
        cpu: GATEWAY_CPU,
        ...(peer === 'ipgate' && CPU_PROF !== undefined ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] } : {}),
      });
      running.push(started.running);
      peers.set(peer, started);
      if (!(await probe(started.port, '127.0.0.2'))) throw new Error(`${peer}: 127.0.0.2 was refused`);
      if (await probe(started.port, '127.0.0.3')) throw new Error(`${peer}: 127.0.0.3 was let through`);
      await refusalFlood(started.port, 1, CONCURRENCY, LOAD_CPU); // warm-up
    }
    const port = (peer: Peer): number => peers.get(peer)?.port ?? 0;
    for (let i = 0; i < CONTENTION; i += 1) {
      // Each busy loop ends by itself after the benchmark's time, should this process die without stopping it.
      const args = ['-e', `const end = Date.now() + ${(ROUNDS * 2 * SECONDS + 60) * 1000}; while (Date.now() < end);`];
      burners.push(spawn(GATEWAY_CPU === undefined ? process.execPath : 'taskset', GATEWAY_CPU === undefined ? args : ['-c', String(GATEWAY_CPU), process.execPath, ...args], { stdio: 'ignore' }));
    }
    console.log(
      `refusal flood: ${RANGES} ranges, ${ROUNDS} paired rounds of ${SECONDS} s, ${CONCURRENCY} parallel connect/close loops from 127.0.0.3; ` +
        `${pinned ? 'gateways pinned to CPU 1, load + upstream to CPU 0' : 'no CPU pinning (1 CPU)'}; ipgate audit log in a file` +
        `${CONTENTION > 0 ? `; ${CONTENTION} busy loop(s) on the gateways' CPU` : ''}\n`,
    );
    console.log('round    haproxy/s     ipgate/s   ipgate/haproxy   CPU us/refusal: haproxy  ipgate  ipgate/haproxy');
    const ratios: number[] = [];
    const costRatios: number[] = [];
    let auditBytes = 0;
    let ipgateSeconds = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order: Peer[] = round % 2 === 1 ? ['haproxy', 'ipgate'] : ['ipgate', 'haproxy'];
      const rate = new Map<Peer, number>();
      const cost = new Map<Peer, number>();
      const notes: string[] = [];
      for (const peer of order) {
        const pid = peers.get(peer)?.running.child.pid;
        const before = cpuSeconds(pid);
        const cell = await refusalFlood(port(peer), SECONDS, CONCURRENCY, LOAD_CPU);
        rate.set(peer, cell.value);
        cost.set(peer, ((cpuSeconds(pid) - before) * 1e6) / (cell.value * SECONDS));
        if (peer === 'ipgate') ipgateSeconds += SECONDS;
        if (cell.note !== '') notes.push(`${peer}: ${cell.note}`);
      }
      const h = rate.get('haproxy') ?? Number.NaN;
      const i = rate.get('ipgate') ?? Number.NaN;
      const ch = cost.get('haproxy') ?? Number.NaN;
      const ci = cost.get('ipgate') ?? Number.NaN;
      ratios.push(i / h);
      costRatios.push(ci / ch);
      console.log(
        `${String(round).padStart(5)}  ${fmt(h).padStart(11)}  ${fmt(i).padStart(11)}  ${`${(i / h).toFixed(2)}x`.padStart(15)}` +
          `  ${ch.toFixed(1).padStart(23)}  ${ci.toFixed(1).padStart(6)}  ${`${(ci / ch).toFixed(2)}x`.padStart(14)}${notes.length === 0 ? '' : `  (${notes.join('; ')})`}`,
      );
    }
    const audit = peers.get('ipgate')?.auditLog;
    if (audit !== undefined) {
      const text = readFileSync(audit, 'utf8');
      auditBytes = Buffer.byteLength(text);
      const lines = text.split('\n').filter((l) => l !== '').length;
      console.log(`\nipgate audit log: ${lines} lines, ${fmt(auditBytes)} bytes after ${ipgateSeconds + 1} s of floods`);
    }
    console.log(`ipgate/haproxy refusals per second: median ${median(ratios).toFixed(2)}x (min ${Math.min(...ratios).toFixed(2)}x, max ${Math.max(...ratios).toFixed(2)}x); target >= 1.0x`);
    console.log(`ipgate/haproxy CPU time per refusal: median ${median(costRatios).toFixed(2)}x (min ${Math.min(...costRatios).toFixed(2)}x, max ${Math.max(...costRatios).toFixed(2)}x)`);
  } finally {
    await stopAll();
  }
}

await main();
