/**
 * Where the HAProxy data plane's distance to a hand-written HAProxy comes from: one difference at a time,
 * side by side in one run, in front of the same nginx upstream (tiny HTTP 200), the same 10,000 ranges,
 * wrk from 127.0.0.1 (allowed). Every HAProxy is started by this process (so all inherit the same open-files
 * limit, which Node raises to the hard limit), one thread each. Rounds rotate the order; each ratio is to
 * `plain` in the same round, and the median over rounds is printed.
 *
 *   plain          nbthread 1, maxconn 8000, `tcp-request connection reject unless { src -f LIST }`, -db
 *   +map-rules     plain with ipgate's rules instead: ::ffff:0:0/96 ACL + two map_ip ACLs, accept/accept/reject
 *   +master-worker plain started with -W (master-worker, as ipgate runs it)
 *   -maxconn       plain without `maxconn 8000` (HAProxy sizes it from the open-files limit)
 *   +stats-socket  plain with ipgate's runtime socket (`stats socket ... level admin`)
 *   ipgate-config  the configuration ipgate writes (renderHaproxyConfig, threads 1), started like ipgate (-W -db)
 *   ipgate-config+maxconn  the same with `maxconn 8000`
 *   ipgate         ipgate-managed HAProxy (`dataplane: { type: haproxy, mode: managed, threads: 1 }`)
 *
 *   node dist/bench/haproxy-gap.bench.js
 *   BENCH_SECONDS=5 BENCH_ROUNDS=5 node dist/bench/haproxy-gap.bench.js
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseEndpoint } from '../src/config/address.js';
import { allowMapEntries, allowMapText } from '../src/dataplane/allow-map.js';
import { enforcementRules, renderHaproxyConfig } from '../src/dataplane/haproxy-config.js';
import { haproxyConfig, makeRanges, nginxUpstreamConfig } from './gateway/configs.js';
import { freePort, startProcess, type Running } from './gateway/processes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '3');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '3');

function wrk(port: number, close: boolean): Promise<number> {
  const args = ['-t1', '-c32', `-d${SECONDS}s`, ...(close ? ['-H', 'Connection: close'] : []), `http://127.0.0.1:${port}/`];
  return new Promise((res) => {
    execFile('wrk', args, (_e, stdout) => res(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 'NaN')));
  });
}

/**
 * CPU time (user + system, ms) of a process and all its descendants: HAProxy's master and worker, or
 * ipgate with the HAProxy it runs. CPU per request stays comparable when the machine is busy, where
 * throughput alone does not.
 */
function treeCpuMs(root: number): number {
  const stats = new Map<number, { ppid: number; ms: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      stats.set(Number(entry), { ppid: Number(fields[1]), ms: (Number(fields[11]) + Number(fields[12])) * 10 });
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    total += stats.get(pid)?.ms ?? 0;
    for (const [child, st] of stats) if (st.ppid === pid) todo.push(child);
  }
  return total;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

interface Variant {
  readonly name: string;
  start(dir: string, port: number): Promise<Running>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ipgate-hxgap-'));
  const running: Running[] = [];
  try {
    const upstreamPort = await freePort();
    writeFileSync(join(dir, 'up.conf'), nginxUpstreamConfig(dir, upstreamPort));
    running.push(await startProcess('upstream', 'nginx', ['-e', join(dir, 'up.err'), '-p', dir, '-c', join(dir, 'up.conf')], { host: '127.0.0.1', port: upstreamPort }));
    const ranges = makeRanges(10_000);
    const acl = join(dir, 'allow.acl');
    writeFileSync(acl, `${ranges.join('\n')}\n`);
    const map = join(dir, 'allow.map');
    writeFileSync(map, allowMapText(allowMapEntries({ authorizedIpRanges: ranges, egressIpRanges: [] }), 'bench'));
    const plain = (port: number): string => haproxyConfig(port, upstreamPort, acl);
    const haproxy = (name: string, text: (port: number, file: string) => string, flags: string[] = ['-db']): Variant => ({
      name,
      async start(d, port) {
        const cfg = join(d, `${name}.cfg`);
        writeFileSync(cfg, text(port, cfg));
        return startProcess(name, 'haproxy', [...flags, '-f', cfg], { host: '127.0.0.1', port });
      },
    });
    const ipgateConfig = (port: number, cfg: string, maxconn: boolean): string => {
      const text = renderHaproxyConfig({
        listeners: [{ name: 'public', address: parseEndpoint(`127.0.0.1:${port}`), enforce: true }],
        upstream: parseEndpoint(`127.0.0.1:${upstreamPort}`),
        upstreamConnectTimeoutMs: 5000,
        socketPath: `${cfg}.sock`,
        mapFile: map,
        trustedFile: () => '',
        threads: 1,
      });
      return maxconn ? text.replace('  master-worker\n', '  master-worker\n  maxconn 8000\n') : text;
    };
    const variants: Variant[] = [
      haproxy('plain', (port) => plain(port)),
      haproxy('+map-rules', (port) => plain(port).replace(/ {2}tcp-request connection reject unless .*\n/, `${enforcementRules(map).join('\n')}\n`)),
      haproxy('+master-worker', (port) => plain(port), ['-W', '-db']),
      haproxy('-maxconn', (port) => plain(port).replace('  maxconn 8000\n', '')),
      haproxy('+stats-socket', (port, cfg) => plain(port).replace('  maxconn 8000\n', `  maxconn 8000\n  stats socket ${cfg}.sock mode 600 level admin\n`)),
      haproxy('ipgate-config', (port, cfg) => ipgateConfig(port, cfg, false), ['-W', '-db']),
      haproxy('ipgate-config+maxconn', (port, cfg) => ipgateConfig(port, cfg, true), ['-W', '-db']),
      {
        name: 'ipgate',
        async start(d, port) {
          const adminPort = await freePort();
          writeFileSync(join(d, 'admin.token'), randomBytes(24).toString('hex'));
          writeFileSync(join(d, 'profile.json'), JSON.stringify({ authorizedIpRanges: ranges, egressIpRanges: [] }));
          writeFileSync(
            join(d, 'ipgate.yaml'),
            stringify({
              upstream: `127.0.0.1:${upstreamPort}`,
              listeners: [{ name: 'public', address: `127.0.0.1:${port}` }],
              admin: { address: `127.0.0.1:${adminPort}`, tokenFile: join(d, 'admin.token') },
              store: { file: join(d, 'profile.json') },
              auditLog: 'off',
              dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(d, 'hx'), threads: 1 },
            }),
          );
          const ipgate = await startProcess('ipgate', process.execPath, [join(root, 'bin', 'ipgate.js'), 'serve', '--config', join(d, 'ipgate.yaml')], { host: '127.0.0.1', port: adminPort });
          // The admin API answers before or after HAProxy binds: wait for the listener too.
          await startProcess('wait', 'sleep', ['0'], { host: '127.0.0.1', port }).catch(() => undefined);
          return ipgate;
        },
      },
    ];
    const ratios = new Map<string, { close: number[]; keep: number[]; closeAbs: number[]; keepAbs: number[]; closeCpu: number[]; keepCpu: number[] }>();
    for (const v of variants) ratios.set(v.name, { close: [], keep: [], closeAbs: [], keepAbs: [], closeCpu: [], keepCpu: [] });
    for (let round = 0; round < ROUNDS; round++) {
      const order = [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)];
      const measured = new Map<string, { close: number; keep: number; closeCpu: number; keepCpu: number }>();
      for (const v of order) {
        const d = join(dir, `${v.name.replace(/[^a-z0-9]/gi, '_')}-${round}`);
        rmSync(d, { recursive: true, force: true });
        await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
        const port = await freePort();
        const proc = await v.start(d, port);
        try {
          const pid = proc.child.pid ?? 0;
          const c0 = treeCpuMs(pid);
          const close = await wrk(port, true);
          const c1 = treeCpuMs(pid);
          const keep = await wrk(port, false);
          const c2 = treeCpuMs(pid);
          // microseconds of CPU per request (per connection with Connection: close)
          measured.set(v.name, { close, keep, closeCpu: ((c1 - c0) * 1000) / (close * SECONDS), keepCpu: ((c2 - c1) * 1000) / (keep * SECONDS) });
        } finally {
          await proc.stop();
        }
      }
      const base = measured.get('plain');
      for (const [name, m] of measured) {
        const r = ratios.get(name);
        if (r === undefined || base === undefined) continue;
        r.close.push(m.close / base.close);
        r.keep.push(m.keep / base.keep);
        r.closeAbs.push(m.close);
        r.keepAbs.push(m.keep);
        r.closeCpu.push(m.closeCpu);
        r.keepCpu.push(m.keepCpu);
      }
    }
    console.log(`HAProxy data plane gap (10,000 ranges, wrk -t1 -c32 ${SECONDS}s, median of ${ROUNDS} rotated rounds, ratio to plain in the same round):`);
    console.log('  variant                 new conn/s   ratio  CPU us/conn   keepalive req/s   ratio  CPU us/req');
    for (const v of variants) {
      const r = ratios.get(v.name);
      if (r === undefined) continue;
      console.log(
        `  ${v.name.padEnd(22)} ${median(r.closeAbs).toFixed(0).padStart(11)}  ${median(r.close).toFixed(3)}x ${median(r.closeCpu).toFixed(1).padStart(11)} ${median(r.keepAbs).toFixed(0).padStart(16)}  ${median(r.keep).toFixed(3)}x ${median(r.keepCpu).toFixed(1).padStart(10)}`,
      );
    }
    console.log('  (CPU: the process tree of each variant, HAProxy and for `ipgate` the ipgate process too; clock ticks of 10 ms, so short runs are coarse)');
  } finally {
    for (const r of running.reverse()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
