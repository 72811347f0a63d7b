/**
 * scripts/demo.sh, run for real (setup skipped: the tests run after the build): it must come up, let
 * 127.0.0.2 through to the TLS upstream, refuse 127.0.0.3, and stop everything cleanly on Ctrl-C (SIGINT).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from './helpers/client-serve.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/demo.sh', import.meta.url));

function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

it('scripts/demo.sh starts a working gateway, prints what to try, and stops on Ctrl-C', { timeout: 60_000 }, async () => {
  const [port, upstreamPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn('bash', [SCRIPT], {
    env: {
      ...process.env,
      IPGATE_DEMO_SKIP_SETUP: '1',
      IPGATE_DEMO_PORT: String(port),
      IPGATE_DEMO_UPSTREAM_PORT: String(upstreamPort),
      IPGATE_DEMO_ADMIN_PORT: String(adminPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo not ready after 40 s:\n${out}`)), 40_000);
      const check = (): void => {
        if (out.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`demo exited (${code}) before it was ready:\n${out}`));
      });
      check();
    });
    assert.match(out, /ipgate demo ready/);
    assert.ok(out.includes(`curl --interface 127.0.0.2 -k https://127.0.0.1:${port}/version`), out);
    assert.ok(out.includes(`--server http://127.0.0.1:${adminPort}`), out);
    assert.ok(out.includes(`http://127.0.0.1:${adminPort}/metrics`), out);

    const allowed = await curl(['--interface', '127.0.0.2', '-k', `https://127.0.0.1:${port}/version`]);
    assert.equal(allowed.code, 0, `allowed curl failed: ${allowed.stderr}`);
    assert.match(allowed.stdout, /\S/, 'the upstream answered');
    const refused = await curl(['--interface', '127.0.0.3', '-k', `https://127.0.0.1:${port}/version`]);
    assert.notEqual(refused.code, 0, 'the refused source must not get an answer');
    assert.equal(refused.stdout, '');
  } finally {
    const stopped = await stopChild(child, 'SIGINT', 15_000);
    assert.notEqual(stopped, 'SIGKILL', `the demo did not stop on SIGINT:\n${out}`);
  }
  assert.match(out, /demo: stopped/);
  const state = /state +(\S+)/.exec(out)?.[1];
  assert.ok(state !== undefined && !existsSync(state), `the demo's temporary state ${state ?? '?'} is removed`);
  for (const p of [port, upstreamPort, adminPort]) assert.equal(await listening(p), false, `port ${p} is released`);
});
