/**
 * A free TCP port on a loopback address (bound, then released), for tests and benchmarks. It is taken below
 * the kernel's ephemeral range (ip_local_port_range), so that between its release and the server that binds
 * it (etcd, HAProxy, a gateway started as a child process) no outgoing connection is handed the same port.
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

const LOWEST = 10_000;

/** The first port the kernel hands out to outgoing connections (32768 when it cannot be read). */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** Binds `port` (0: any) and releases it; the port bound, or undefined when it is taken. */
async function bindAndRelease(host: string, port: number): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    server.listen({ host, port }, () => resolve(true));
  });
  if (!bound) return undefined;
  const { port: got } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return got;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const end = ephemeralStart();
  for (let tries = 0; tries < 50; tries++) {
    const port = await bindAndRelease(host, LOWEST + Math.floor(Math.random() * (end - LOWEST)));
    if (port !== undefined) return port;
  }
  // Every guess taken (never seen): any port the kernel gives.
  const any = await bindAndRelease(host, 0);
  if (any === undefined) throw new Error(`no free TCP port on ${host}`);
  return any;
}
