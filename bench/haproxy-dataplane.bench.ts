/**
 * HAProxy data plane, side by side in one run, in front of the same nginx upstream (tiny HTTP 200):
 *   - plain HAProxy: `tcp-request connection reject unless { src -f FILE }` with a static ACL file;
 *   - ipgate-managed HAProxy (`dataplane: { type: haproxy, mode: managed, threads: 1 }`), same ranges.
 * Loads (wrk from 127.0.0.1, an allowed source): new connections (`Connection: close`) and keepalive.
 * Then the time from an admin update (PATCH remove of an allowed /32) to enforcement (that source refused)
 * with 200 / 10,000 / 100,000 entries in the profile.
 *
 *   node dist/bench/haproxy-dataplane.bench.js
 *   BENCH_SECONDS=10 BENCH_RANGES=200,10000,100000 node dist/bench/haproxy-dataplane.bench.js
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { haproxyConfig, makeRanges, nginxUpstreamConfig } from './gateway/configs.js';
import { freePort, startProcess, type Running } from './gateway/processes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '4');
const SIZES = (process.env['BENCH_RANGES'] ?? '200,10000,100000').split(',').map(Number);
const LOAD_RANGES = 10_000;

function wrk(port: number, close: boolean): Promise<{ rate: number; errors: string }> {
  const args = ['-t1', '-c32', `-d${SECONDS}s`, ...(close ? ['-H', 'Connection: close'] : []), `http://127.0.0.1:${port}/`];
  return new Promise((res) => {
    execFile('wrk', args, (_e, stdout) => {
      res({ rate: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 'NaN'), errors: /Socket errors: (.*)/.exec(stdout)?.[1] ?? '' });
    });
  });
}

function probe(port: number, source: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: source });
    const done = (v: boolean): void => {
      clearTimeout(t);
      s.destroy();
      res(v);
    };
    const t = setTimeout(() => done(false), 2000);
    s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('data', () => done(true));
    s.on('error', () => done(false));
    s.on('close', () => done(false));
  });
}

function admin(url: string, token: string, method: string, path: string, body: unknown): Promise<number> {
  return new Promise((res, rej) => {
    const req = request(new URL(path, url), { method, agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', rej);
    req.end(JSON.stringify(body));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ipgate-hxbench-'));
  const running: Running[] = [];
  try {
    const upstreamPort = await freePort();
    writeFileSync(join(dir, 'up.conf'), nginxUpstreamConfig(dir, upstreamPort));
    running.push(await startProcess('upstream', 'nginx', ['-e', join(dir, 'up.err'), '-p', dir, '-c', join(dir, 'up.conf')], { host: '127.0.0.1', port: upstreamPort }));
    const ranges = makeRanges(LOAD_RANGES);
    writeFileSync(join(dir, 'allow.acl'), `${ranges.join('\n')}\n`);
    const plainPort = await freePort();
    writeFileSync(join(dir, 'plain.cfg'), haproxyConfig(plainPort, upstreamPort, join(dir, 'allow.acl')));
    running.push(await startProcess('haproxy', 'haproxy', ['-db', '-f', join(dir, 'plain.cfg')], { host: '127.0.0.1', port: plainPort }));
    const managedPort = await freePort();
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'admin.token'), token);
    writeFileSync(join(dir, 'profile.json'), JSON.stringify({ authorizedIpRanges: ranges, egressIpRanges: [] }));
    const adminPort = await freePort();
    writeFileSync(
      join(dir, 'ipgate.yaml'),
      stringify({
        upstream: `127.0.0.1:${upstreamPort}`,
        listeners: [{ name: 'public', address: `127.0.0.1:${managedPort}` }],
        admin: { address: `127.0.0.1:${adminPort}`, tokenFile: join(dir, 'admin.token') },
        store: { file: join(dir, 'profile.json') },
        auditLog: 'off',
        dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(dir, 'hx'), threads: 1 },
      }),
    );
    running.push(await startProcess('ipgate', process.execPath, [join(root, 'bin', 'ipgate.js'), 'serve', '--config', join(dir, 'ipgate.yaml')], { host: '127.0.0.1', port: adminPort }));
    const adminUrl = `http://127.0.0.1:${adminPort}`;

    console.log(`HAProxy data plane benchmark (${LOAD_RANGES} ranges, ${SECONDS}s per load, wrk -c32 from 127.0.0.1)`);
    for (const [label, close] of [
      ['new conn/s', true],
      ['keepalive req/s', false],
    ] as const) {
      // ABBA order: whichever runs second in a pair no longer always pays for (or gains from) going second.
      const a1 = await wrk(plainPort, close);
      const b1 = await wrk(managedPort, close);
      const b2 = await wrk(managedPort, close);
      const a2 = await wrk(plainPort, close);
      const plain = { rate: (a1.rate + a2.rate) / 2, errors: [a1.errors, a2.errors].filter(Boolean).join(', ') };
      const managed = { rate: (b1.rate + b2.rate) / 2, errors: [b1.errors, b2.errors].filter(Boolean).join(', ') };
      const notes = [plain.errors && `plain errors: ${plain.errors}`, managed.errors && `managed errors: ${managed.errors}`].filter(Boolean).join('; ');
      console.log(`${label.padEnd(16)} plain HAProxy ${plain.rate.toFixed(0).padStart(8)}  ipgate-managed ${managed.rate.toFixed(0).padStart(8)}  ratio ${(managed.rate / plain.rate).toFixed(3)}x (target >= 0.95x) ${notes}`);
    }

    console.log('admin update -> enforcement (PATCH remove 127.0.0.2/32, then 127.0.0.2 refused):');
    for (const size of SIZES) {
      const list = makeRanges(size, 7);
      if ((await admin(adminUrl, token, 'PUT', '/v1/profile?force=true', { authorizedIpRanges: list, egressIpRanges: [] })) !== 200) throw new Error('PUT failed');
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = process.hrtime.bigint();
        if ((await admin(adminUrl, token, 'PATCH', '/v1/profile?force=true', { remove: ['127.0.0.2/32'] })) !== 200) throw new Error('PATCH failed');
        while (await probe(managedPort, '127.0.0.2')) {
          /* until refused */
        }
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        await admin(adminUrl, token, 'PATCH', '/v1/profile?force=true', { add: ['127.0.0.2/32'] });
      }
      times.sort((a, b) => a - b);
      console.log(`  ${String(size).padStart(7)} entries: median ${times[2]?.toFixed(1)} ms, max ${times[4]?.toFixed(1)} ms (target < 1000 ms at 100,000)`);
    }
  } finally {
    for (const r of running.reverse()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
