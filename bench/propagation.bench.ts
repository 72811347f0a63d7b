/**
 * Propagation latency across 3 gateway instances: 100 profile updates, each written through one instance's
 * admin API (round-robin), timed from the start of the write until the last instance enforces it. Enforcement
 * is observed with `GET /v1/explain?ip=ADDR` on every instance (it answers from the compiled profile in
 * force, the same object the listeners decide with), polled back to back.
 * Peers: the etcd store (a real etcd on loopback) and the file store (3 instances sharing one file).
 * Run: node dist/bench/propagation.bench.js [updates]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { adminRequest } from '../test/helpers/clients.js';
import { startEtcd, startFleet } from '../test/helpers/etcd.js';
import { startIpgate, type RunningIpgate } from '../test/helpers/ipgate.js';
import { tempDir } from '../test/helpers/tmp.js';
import { startUpstream } from '../test/helpers/upstream.js';

const UPDATES = Number(process.argv[2] ?? 100);

interface Target {
  readonly adminUrl: string;
}

async function allows(url: string, token: string, ip: string): Promise<boolean> {
  const r = await adminRequest(url, 'GET', `/v1/explain?ip=${ip}`, { token });
  return (r.json as { allowed?: boolean } | undefined)?.allowed === true;
}

async function measure(instances: readonly Target[], token: string): Promise<number[]> {
  const samples: number[] = [];
  for (let n = 0; n < UPDATES; n++) {
    const ip = `127.0.${2 + Math.floor(n / 250)}.${(n % 250) + 1}`;
    const writer = instances[n % instances.length];
    if (writer === undefined) throw new Error('no instance');
    const start = performance.now();
    const w = await adminRequest(writer.adminUrl, 'PATCH', '/v1/profile', { token, body: { add: [`${ip}/32`] } });
    if (w.status !== 200) throw new Error(`write failed: ${w.status} ${w.text}`);
    const done = await Promise.all(
      instances.map(async (i) => {
        while (!(await allows(i.adminUrl, token, ip))) {
          if (performance.now() - start > 10_000) throw new Error(`update ${n} did not reach ${i.adminUrl} within 10 s`);
        }
        return performance.now();
      }),
    );
    samples.push(Math.max(...done) - start);
  }
  return samples.sort((a, b) => a - b);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

function report(name: string, samples: readonly number[]): { p50: number; p99: number } {
  const p50 = quantile(samples, 0.5);
  const p99 = quantile(samples, 0.99);
  process.stdout.write(`${name.padEnd(28)} p50 ${p50.toFixed(1).padStart(7)} ms   p99 ${p99.toFixed(1).padStart(7)} ms   max ${(samples.at(-1) ?? NaN).toFixed(1).padStart(7)} ms\n`);
  return { p50, p99 };
}

async function etcdRun(): Promise<number[]> {
  const etcd = await startEtcd();
  try {
    const fleet = await startFleet({ count: 3, etcd: () => ({ endpoints: [etcd.endpoint], prefix: '/bench/' }), profile: { authorizedIpRanges: ['127.0.0.1/32'] } });
    try {
      return await measure(fleet.instances.map((i) => ({ adminUrl: i.adminUrl() })), fleet.token);
    } finally {
      await fleet.close();
    }
  } finally {
    await etcd.close();
  }
}

async function fileRun(): Promise<number[]> {
  const { dir, remove } = await tempDir('ipgate-bench-file-');
  const upstream = await startUpstream(dir);
  const token = 'bench-token-0123456789abcdef';
  await writeFile(join(dir, 'admin.token'), `${token}\n`);
  const running: RunningIpgate[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const own = join(dir, `i${i}`);
      await mkdir(own);
      running.push(
        await startIpgate(own, {
          upstream: `127.0.0.1:${upstream.port}`,
          listeners: [{ name: 'public', address: '127.0.0.1:0' }],
          admin: { address: '127.0.0.1:0', tokenFile: join(dir, 'admin.token') },
          auditLog: 'off',
          store: { file: join(dir, 'shared-profile.json') },
          profile: { authorizedIpRanges: ['127.0.0.1/32'] },
        }),
      );
    }
    return await measure(running.map((r) => ({ adminUrl: r.adminUrl ?? '' })), token);
  } finally {
    for (const r of running) await r.stop('SIGKILL');
    await upstream.close();
    await remove();
  }
}

const etcdSamples = await etcdRun();
const fileSamples = await fileRun();
process.stdout.write(`propagation over ${UPDATES} updates, 3 instances, write -> enforced on the last instance (probe: GET /v1/explain)\n`);
const e = report('etcd store (watch)', etcdSamples);
const f = report('file store (shared file)', fileSamples);
process.stdout.write(`ratio etcd/file: p50 ${(e.p50 / f.p50).toFixed(2)}x, p99 ${(e.p99 / f.p99).toFixed(2)}x; target p99 < 1000 ms: ${e.p99 < 1000 ? 'met' : 'NOT met'}\n`);
