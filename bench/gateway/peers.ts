/**
 * The gateways the benchmarks compare, started the same way everywhere: HAProxy, nginx `stream`, the obvious
 * Node proxy and `ipgate serve`, each in front of one upstream, optionally pinned to one CPU. Also the probe
 * that tells whether a source gets through, and the refusal flood run in its own (pinnable) process.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyConfig, nginxStreamConfig } from './configs.js';
import { freePort, startProcess, type Running } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const ipgateBin = join(resolve(here, '..', '..', '..'), 'bin', 'ipgate.js');

export const PEERS = ['haproxy', 'nginx', 'naive', 'ipgate'] as const;
export type Peer = (typeof PEERS)[number];

export interface StartedPeer {
  readonly running: Running;
  readonly port: number;
  readonly adminPort?: number;
  readonly token?: string;
  /** ipgate's audit log file. */
  readonly auditLog?: string;
}

export interface PeerOptions {
  /** Pin the gateway to this CPU. */
  readonly cpu?: number | undefined;
  /** Extra `node` flags for the ipgate process (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
}

export function pinnedCommand(cpu: number | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpu === undefined ? [command, [...args]] : ['taskset', ['-c', String(cpu), command, ...args]];
}

/** Runs a command to completion (killed after `timeoutMs`) and returns stdout + stderr. */
export function runCapture(command: string, args: readonly string[], cpu: number | undefined, timeoutMs: number): Promise<string> {
  const [cmd, argv] = pinnedCommand(cpu, command, args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${command} exited ${code}: ${out}`));
    });
  });
}

export interface FloodCell {
  /** Refused connections per second. */
  readonly value: number;
  readonly note: string;
}

/** A refusal flood from 127.0.0.3 against 127.0.0.1:port, run in its own process (bench/gateway/flood-main.ts). */
export async function refusalFlood(port: number, seconds: number, concurrency: number, cpu: number | undefined): Promise<FloodCell> {
  const out = await runCapture(
    process.execPath,
    [join(here, 'flood-main.js'), '127.0.0.1', String(port), '127.0.0.3', String(seconds), String(concurrency)],
    cpu,
    (seconds + 30) * 1000,
  );
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { refused: number; notRefused: number; connectErrors: number; seconds: number };
  const notes: string[] = [];
  if (result.notRefused > 0) notes.push(`NOT REFUSED: ${result.notRefused}`);
  if (result.connectErrors > 0) notes.push(`connect errors: ${result.connectErrors}`);
  return { value: result.refused / result.seconds, note: notes.join('; ') };
}

/** One probe from `source`: true when the gateway let it through (the upstream answered). */
export function probe(port: number, source: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port, localAddress: source });
    const done = (allowed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(allowed);
    };
    const timer = setTimeout(() => done(false), 2000);
    socket.on('connect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
    socket.on('data', () => done(true));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/** Starts one peer in front of 127.0.0.1:upstreamPort with `ranges` as its allow-list; files go to `dir`. */
export async function startPeer(peer: Peer, dir: string, ranges: readonly string[], upstreamPort: number, options: PeerOptions = {}): Promise<StartedPeer> {
  const cpu = options.cpu;
  const port = await freePort();
  const rangesFile = join(dir, `${peer}-ranges.txt`);
  writeFileSync(rangesFile, `${ranges.join('\n')}\n`);
  if (peer === 'haproxy') {
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(port, upstreamPort, rangesFile));
    return { running: await startProcess(peer, 'haproxy', ['-db', '-f', cfg], { host: '127.0.0.1', port }, cpu), port };
  }
  if (peer === 'nginx') {
    const cfg = join(dir, 'nginx-stream.conf');
    writeFileSync(cfg, nginxStreamConfig(dir, port, upstreamPort, ranges));
    return {
      running: await startProcess(peer, 'nginx', ['-e', join(dir, 'nginx-stream.err'), '-p', dir, '-c', cfg], { host: '127.0.0.1', port }, cpu),
      port,
    };
  }
  if (peer === 'naive') {
    const args = [join(here, 'naive-proxy.js'), '--listen', `127.0.0.1:${port}`, '--upstream', `127.0.0.1:${upstreamPort}`, '--ranges', rangesFile];
    return { running: await startProcess(peer, process.execPath, args, { host: '127.0.0.1', port }, cpu), port };
  }
  const adminPort = await freePort();
  const token = 'bench-token-0123456789abcdef';
  const tokenFile = join(dir, 'admin.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const auditLog = join(dir, 'audit.log');
  writeFileSync(auditLog, '');
  const args = [
    ...(options.nodeFlags ?? []),
    ipgateBin, 'serve',
    '--listen', `127.0.0.1:${port}`,
    '--upstream', `127.0.0.1:${upstreamPort}`,
    '--ranges', rangesFile,
    '--admin', `127.0.0.1:${adminPort}`,
    '--token-file', tokenFile,
    // As in production: the audit log (every decision) goes to a file, not through the benchmark's pipe.
    '--audit-log', auditLog,
  ];
  const running = await startProcess(peer, process.execPath, args, { host: '127.0.0.1', port }, cpu);
  // The admin API may come up a moment after the listener.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/healthz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { running, port, adminPort, token, auditLog };
}
