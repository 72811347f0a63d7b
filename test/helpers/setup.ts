/**
 * One gateway fixture: a temp dir, the demo TLS upstream, an admin token, and `ipgate serve` started with a
 * config built from the given parts. `close()` stops everything and removes the directory.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startIpgate, type RunningIpgate } from './ipgate.js';
import { freePort } from './ports.js';
import { tempDir } from './tmp.js';
import { startUpstream, type DemoUpstream } from './upstream.js';

export interface GatewayFixture {
  readonly dir: string;
  readonly upstream: DemoUpstream;
  /** Connections the upstream has accepted so far. */
  upstreamConnections(): number;
  readonly token: string;
  readonly ipgate: RunningIpgate;
  /** Port of a listener (default: `public`). */
  port(name?: string): number;
  readonly adminUrl: string;
  close(): Promise<void>;
}

/**
 * `config(dir, upstreamPort)` returns the config object; `admin` and `upstream` are filled in unless given.
 * `prepare(dir)`, when given, writes what the config names (a store file, certificates, token files) before
 * ipgate starts.
 */
export async function gatewayFixture(config: (dir: string, upstreamPort: number) => Record<string, unknown>, prepare?: (dir: string) => Promise<void>): Promise<GatewayFixture> {
  const { dir, remove } = await tempDir();
  await prepare?.(dir);
  const upstream = await startUpstream(dir);
  let connections = 0;
  upstream.server.on('connection', () => connections++);
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'admin.token'), `${token}\n`);
  let ipgate: RunningIpgate;
  try {
    ipgate = await startIpgate(dir, {
      upstream: `127.0.0.1:${upstream.port}`,
      admin: { address: '127.0.0.1:0', tokenFile: 'admin.token' },
      auditLog: '-',
      ...config(dir, upstream.port),
    });
  } catch (error) {
    await upstream.close();
    await remove();
    throw error;
  }
  return {
    dir,
    upstream,
    upstreamConnections: () => connections,
    token,
    ipgate,
    port: (name = 'public') => {
      const port = ipgate.ports.get(name);
      if (port === undefined) throw new Error(`no listener ${name}`);
      return port;
    },
    adminUrl: ipgate.adminUrl ?? '',
    close: async () => {
      if (ipgate.child.exitCode === null && ipgate.child.signalCode === null) await ipgate.stop('SIGKILL');
      await upstream.close();
      await remove();
    },
  };
}

/**
 * A gateway whose data plane is a managed HAProxy (listener `public` on a free port, `127.0.0.2/32`
 * authorized), stopped when the test ends: for what the admin API and the dashboard say of a data plane that
 * cannot report refusals or matches.
 */
export async function haproxyGatewayFixture(t: { after(fn: () => Promise<void>): void }): Promise<GatewayFixture> {
  const port = await freePort();
  const fx = await gatewayFixture((dir) => ({
    listeners: [{ name: 'public', address: `127.0.0.1:${port}` }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    dataplane: { type: 'haproxy', mode: 'managed', stateDir: join(dir, 'hx') },
  }));
  t.after(async () => {
    if (fx.ipgate.child.exitCode === null) await fx.ipgate.stop('SIGTERM');
    await fx.close();
  });
  return fx;
}
