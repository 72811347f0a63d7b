/**
 * A real etcd (Debian's etcd-server) on loopback ports with a temporary data dir, started as a child process
 * of the test. It can be paused (SIGSTOP), resumed, killed and restarted on the same ports and data.
 * With `tls` it serves clients on https only and requires a client certificate signed by the given CA; the
 * helper's own clients then present the client certificate.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import type { EtcdCerts } from './etcd-certs.js';
import { freePort } from './haproxy.js';
import { spawnTracked, startIpgate, type RunningIpgate, type Spawned } from './ipgate.js';
import { tempDir } from './tmp.js';
import { startUpstream, type DemoUpstream } from './upstream.js';
import { waitFor } from './wait.js';
import { curlFrom } from './clients.js';

export interface RunningEtcd {
  /** `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` with `tls`. */
  readonly endpoint: string;
  readonly dataDir: string;
  /** A client for the test's own reads and hand-written values. */
  client(): Etcd3;
  pause(): void;
  resume(): void;
  /** SIGKILL, waits for the exit. */
  kill(): Promise<void>;
  /** Starts again on the same ports and data dir. */
  restart(): Promise<void>;
  /** Kills etcd, closes clients and removes the data dir. */
  close(): Promise<void>;
}

export interface EtcdOptions {
  /** Serve clients over TLS with these certificates and require client certificates (`--client-cert-auth`). */
  readonly tls?: EtcdCerts;
}

/** The helper's own client: over TLS with the client certificate when etcd requires it. */
async function clientOptions(endpoint: string, tls: EtcdCerts | undefined): Promise<IOptions> {
  if (tls === undefined) return { hosts: endpoint };
  const [rootCertificate, certChain, privateKey] = await Promise.all([readFile(tls.ca.cert), readFile(tls.client.cert), readFile(tls.client.key)]);
  return { hosts: endpoint, credentials: { rootCertificate, certChain, privateKey } };
}

export async function startEtcd(options: EtcdOptions = {}): Promise<RunningEtcd> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipgate-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const { tls } = options;
  const endpoint = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${clientPort}`;
  const ownClient = await clientOptions(endpoint, tls);
  const tlsArgs = tls === undefined ? [] : ['--cert-file', tls.server.cert, '--key-file', tls.server.key, '--trusted-ca-file', tls.ca.cert, '--client-cert-auth'];
  const peer = `http://127.0.0.1:${peerPort}`;
  const clients: Etcd3[] = [];
  let proc: Spawned | undefined;

  const launch = async (): Promise<void> => {
    const spawned = spawnTracked(
      '/usr/bin/etcd',
      [
        '--name', 'default',
        '--data-dir', join(dataDir, 'data'),
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `default=${peer}`,
        '--log-level', 'warn',
        ...tlsArgs,
      ],
      { env: process.arch === 'arm64' ? { ...process.env, ETCD_UNSUPPORTED_ARCH: 'arm64' } : process.env },
    );
    proc = spawned;
    const probe = new Etcd3({ ...ownClient, dialTimeout: 500 });
    try {
      await waitFor(
        async () => {
          if (spawned.child.exitCode !== null) throw new Error(`etcd exited:\n${spawned.stderr()}`);
          try {
            await probe.get('ipgate-test-probe').options({ deadline: Date.now() + 500 }).string();
            return true;
          } catch {
            return false;
          }
        },
        15_000,
        'etcd to answer',
      );
    } finally {
      probe.close();
    }
  };

  const kill = async (): Promise<void> => {
    const current = proc;
    if (current === undefined || current.child.exitCode !== null || current.child.signalCode !== null) return;
    current.child.kill('SIGCONT');
    current.child.kill('SIGKILL');
    await current.exited;
  };

  await launch();
  return {
    endpoint,
    dataDir,
    client: () => {
      const c = new Etcd3(ownClient);
      clients.push(c);
      return c;
    },
    pause: () => proc?.child.kill('SIGSTOP'),
    resume: () => proc?.child.kill('SIGCONT'),
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    close: async () => {
      for (const c of clients) c.close();
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface FleetInstance {
  readonly dir: string;
  ipgate: RunningIpgate;
  port(): number;
  adminUrl(): string;
  /** Starts this instance again with the same config (after a stop). */
  restart(options?: { readyTimeoutMs?: number }): Promise<void>;
}

export interface Fleet {
  readonly dir: string;
  readonly upstream: DemoUpstream;
  readonly token: string;
  readonly instances: FleetInstance[];
  /** Whether a TLS request from `source` to a gateway port reaches the upstream. */
  reaches(source: string, port: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface FleetOptions {
  readonly count: number;
  /** `store.etcd` (endpoints, prefix, profile) for instance i. */
  readonly etcd: (i: number) => Record<string, unknown>;
  /** The config's `profile` (seeds etcd when the key does not exist). */
  readonly profile?: Record<string, unknown>;
  readonly cache?: boolean;
}

/** One demo upstream and `count` `ipgate serve` processes, each with its own dir, all against one etcd. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { dir, remove } = await tempDir('ipgate-fleet-');
  const upstream = await startUpstream(dir);
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'admin.token'), `${token}\n`);
  const instances: FleetInstance[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(instances.map(async (i) => (i.ipgate.child.exitCode === null && i.ipgate.child.signalCode === null ? i.ipgate.stop('SIGKILL') : undefined)));
    await upstream.close();
    await remove();
  };
  try {
    for (let i = 0; i < options.count; i++) {
      const own = join(dir, `i${i}`);
      await mkdir(own);
      const config = {
        upstream: `127.0.0.1:${upstream.port}`,
        listeners: [{ name: 'public', address: '127.0.0.1:0' }],
        admin: { address: '127.0.0.1:0', tokenFile: join(dir, 'admin.token') },
        auditLog: 'off',
        store: { etcd: options.etcd(i), ...(options.cache === false ? {} : { cacheFile: 'state/last-known-good.json' }) },
        ...(options.profile === undefined ? {} : { profile: options.profile }),
      };
      const instance: FleetInstance = {
        dir: own,
        ipgate: await startIpgate(own, config),
        port: () => instance.ipgate.ports.get('public') ?? 0,
        adminUrl: () => instance.ipgate.adminUrl ?? '',
        restart: async (o = {}) => {
          instance.ipgate = await startIpgate(own, config, o);
        },
      };
      instances.push(instance);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const reaches = async (source: string, port: number): Promise<boolean> =>
    (await curlFrom(source, port, { cacert: upstream.cert, timeoutS: 3 })).code === 0;
  return { dir, upstream, token, instances, reaches, close };
}
