/**
 * scripts/ha-demo.sh, run for real (setup skipped: the tests run after the build): etcd, three instances and
 * HAProxy in front of them come up on loopback; traffic through the load balancer keeps flowing with 0 failed
 * requests while one instance is stopped mid-traffic; `ipgate status` shows the fleet before and after; a
 * change through one instance is enforced by all; another instance killed outright (SIGKILL) mid-traffic fails
 * no request begun after it died; Ctrl-C stops everything and removes the demo's files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stopChild } from './helpers/client-serve.js';
import { curlFrom } from './helpers/clients.js';
import { ROOT, runIpgate } from './helpers/ipgate.js';
import { freePort } from './helpers/ports.js';
import { sleep, waitFor } from './helpers/wait.js';

/** A port such that it and the next `count - 1` are free. */
async function freeRun(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await canBind(base + i);
    if (free) return base;
  }
}

async function canBind(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

test('scripts/ha-demo.sh: a fleet behind HAProxy keeps serving with 0 failed requests while an instance stops', { timeout: 180_000 }, async (t) => {
  const started = Date.now();
  const [port, upstreamPort, gwPort, adminPort, etcdPort] = [await freePort(), await freePort(), await freeRun(3), await freeRun(3), await freeRun(2)];
  const child = spawn('bash', [join(ROOT, 'scripts/ha-demo.sh')], {
    env: {
      ...process.env,
      IPGATE_DEMO_SKIP_SETUP: '1',
      IPGATE_HA_PORT: String(port),
      IPGATE_HA_UPSTREAM_PORT: String(upstreamPort),
      IPGATE_HA_GATEWAY_PORT: String(gwPort),
      IPGATE_HA_ADMIN_PORT: String(adminPort),
      IPGATE_HA_ETCD_PORT: String(etcdPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`ha-demo exited (${child.exitCode}):\n${out}`);
      return out.includes('Ctrl-C stops everything');
    }, 60_000, `the HA demo to be ready:\n${out}`);
    t.diagnostic(`ha-demo ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const state = /state +(\S+)/.exec(out)?.[1] ?? '';
    const pids = [...out.matchAll(/^ {2}instance (\d) .* pid (\d+)$/gm)].map((m) => Number(m[2]));
    assert.equal(pids.length, 3, out);
    assert.ok(out.includes(`curl --interface 127.0.0.2 -k https://127.0.0.1:${port}/version`), out);
    const cacert = join(state, 'certs/upstream.crt');
    const flags = ['--server', `http://127.0.0.1:${adminPort}`, '--token-file', join(state, 'admin.token')];

    assert.equal((await curlFrom('127.0.0.2', port, { cacert })).code, 0, 'allowed through the load balancer');
    assert.notEqual((await curlFrom('127.0.0.3', port, { cacert })).code, 0, 'refused through the load balancer');
    await waitFor(async () => /^3 instance\(s\), newest revision \d+, 0 stale/m.test((await runIpgate(['status', ...flags])).stdout), 10_000, 'status: three instances');

    // Two clients sending requests one after the other through the load balancer; instance 2 stops midway.
    let ok = 0;
    const failures: string[] = [];
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        const r = await curlFrom('127.0.0.2', port, { cacert, timeoutS: 5 });
        if (r.code === 0 && r.body.includes('"major"')) ok++;
        else failures.push(`curl ${r.code}: ${r.stderr.trim()}`);
      }
    };
    const clients = [client(), client()];
    await sleep(2000);
    const before = ok;
    process.kill(pids[1] ?? 0, 'SIGTERM');
    await waitFor(() => {
      try {
        process.kill(pids[1] ?? 0, 0);
        return false;
      } catch {
        return true;
      }
    }, 15_000, 'instance 2 to exit');
    await sleep(3000);
    running = false;
    await Promise.all(clients);
    t.diagnostic(`requests through the load balancer: ${ok} answered (${ok - before} after the stop began), ${failures.length} failed`);
    assert.deepEqual(failures, [], 'no request failed');
    assert.ok(ok - before >= 10, `traffic kept flowing after the stop (${ok - before} requests)`);

    const status = await runIpgate(['status', ...flags]);
    assert.match(status.stdout, /^2 instance\(s\)/m, status.stdout);

    // A change through instance 3 is enforced by every instance still running.
    const added = await runIpgate(['ranges', 'add', '127.0.0.3', '--server', `http://127.0.0.1:${adminPort + 2}`, '--token-file', join(state, 'admin.token')]);
    assert.equal(added.code, 0, added.stderr);
    for (let i = 0; i < 4; i++) assert.equal((await curlFrom('127.0.0.3', port, { cacert })).code, 0, `127.0.0.3 allowed through the load balancer (${i})`);

    // Instance 3 killed outright (SIGKILL) mid-traffic: a connection it held at that moment is lost with it
    // (TLS passes through, so no one can move it), but every request begun after it died is answered: HAProxy
    // retries the refused connection on the instance left.
    const killed = { at: Infinity };
    const after: string[] = [];
    let answeredAfter = 0;
    let lostInFlight = 0;
    running = true;
    const client2 = async (): Promise<void> => {
      while (running) {
        const begun = Date.now();
        const r = await curlFrom('127.0.0.2', port, { cacert, timeoutS: 5 });
        const good = r.code === 0 && r.body.includes('"major"');
        if (begun > killed.at) {
          if (good) answeredAfter++;
          else after.push(`curl ${r.code}: ${r.stderr.trim()}`);
        } else if (!good) {
          lostInFlight++;
        }
      }
    };
    const clients2 = [client2(), client2()];
    await sleep(1500);
    process.kill(pids[2] ?? 0, 'SIGKILL');
    await waitFor(() => {
      try {
        process.kill(pids[2] ?? 0, 0);
        return false;
      } catch {
        return true;
      }
    }, 5000, 'instance 3 to die');
    killed.at = Date.now();
    await sleep(3000);
    running = false;
    await Promise.all(clients2);
    t.diagnostic(`after SIGKILL: ${answeredAfter} requests begun after the kill answered, ${after.length} failed; ${lostInFlight} in flight at the kill lost`);
    assert.deepEqual(after, [], 'no request begun after the kill failed');
    assert.ok(answeredAfter >= 10, `traffic kept flowing after the kill (${answeredAfter} requests)`);

    const stopped = await stopChild(child, 'SIGINT', 20_000);
    assert.notEqual(stopped, 'SIGKILL', `the demo did not stop on SIGINT:\n${out}`);
    await exited;
    assert.match(out, /ha-demo: stopped/);
    assert.ok(state !== '' && !existsSync(state), 'the demo state is removed');
    for (const p of [port, gwPort, adminPort, etcdPort, upstreamPort]) assert.equal(await canBind(p), true, `port ${p} is released`);
  } finally {
    if (child.exitCode === null) await stopChild(child, 'SIGINT', 20_000);
  }
  t.diagnostic(`ha-demo test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
