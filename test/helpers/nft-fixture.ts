/**
 * The nftables data plane in a namespace of its own: the demo TLS upstream (standing in for the API server,
 * listening on [::] at the given ports) and `ipgate serve` with `dataplane: { type: nftables }`, both run
 * inside it, so the kernel rules ipgate writes exist only there. Clients run inside it too (curl,
 * openssl s_client with 127.0.0.N sources). `close()` stops everything and deletes the namespace.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminResult, CurlResult } from './clients.js';
import { ROOT, startIpgate, type RunningIpgate, type Spawned } from './ipgate.js';
import { Netns } from './netns.js';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';

export const UPSTREAM_JS = join(ROOT, 'dist/src/demo/upstream.js');
export const ADMIN = 'http://127.0.0.1:9090';

export interface NftFixture {
  readonly ns: Netns;
  readonly dir: string;
  readonly cert: string;
  readonly token: string;
  readonly ipgate: RunningIpgate;
  curl(source: string, port: number, host?: string): Promise<CurlResult>;
  admin(method: string, path: string, body?: unknown): Promise<AdminResult>;
  patch(body: unknown): Promise<AdminResult>;
  metrics(): Promise<string>;
  /** Starts ipgate again with the same config (after it was stopped or killed). */
  restart(): Promise<RunningIpgate>;
  close(): Promise<void>;
}

/** Starts the demo upstream inside `ns` on [::]:port; resolves when it listens. */
export async function upstreamIn(ns: Netns, port: number, certDir: string): Promise<Spawned> {
  const up = ns.spawn(process.execPath, [UPSTREAM_JS, '--port', String(port), '--cert-dir', certDir, '--host', '::']);
  await waitFor(() => up.stdout().includes('upstream listening') || (up.child.exitCode !== null ? Promise.reject(new Error(up.stderr())) : false), 10_000, 'upstream');
  return up;
}

export async function nftFixture(options: {
  readonly ports: readonly number[];
  readonly config: Record<string, unknown>;
}): Promise<NftFixture> {
  const ns = await Netns.create('nft');
  const { dir, remove } = await tempDir('ipgate-nft-');
  const upstreams: Spawned[] = [];
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'admin.token'), `${token}\n`, { mode: 0o600 });
  const config = { admin: { address: '127.0.0.1:9090', tokenFile: 'admin.token' }, auditLog: 'off', ...options.config };
  let ipgate: RunningIpgate | undefined;
  const close = async (): Promise<void> => {
    if (ipgate !== undefined && ipgate.child.exitCode === null && ipgate.child.signalCode === null) await ipgate.stop('SIGKILL');
    for (const u of upstreams) if (u.child.exitCode === null) u.child.kill('SIGKILL');
    await Promise.all(upstreams.map((u) => u.exited));
    await ns.remove();
    await remove();
  };
  try {
    for (const port of options.ports) upstreams.push(await upstreamIn(ns, port, dir));
    ipgate = await startIpgate(dir, config, { wrap: ns.wrap, readyTimeoutMs: 20_000 });
  } catch (error) {
    await close();
    throw error;
  }
  const fx: NftFixture = {
    ns,
    dir,
    cert: join(dir, 'upstream.crt'),
    token,
    get ipgate() {
      return ipgate as RunningIpgate;
    },
    curl: (source, port, host = '127.0.0.1') => ns.curl(source, host, port, join(dir, 'upstream.crt')),
    admin: (method, path, body) => ns.admin(ADMIN, method, path, { token, ...(body === undefined ? {} : { body }) }),
    patch: (body) => ns.admin(ADMIN, 'PATCH', '/v1/profile?force=true', { token, body }),
    metrics: async () => (await ns.admin(ADMIN, 'GET', '/metrics', { token })).text,
    restart: async () => {
      ipgate = await startIpgate(dir, config, { wrap: ns.wrap, readyTimeoutMs: 20_000 });
      return ipgate;
    },
    close,
  };
  return fx;
}
