/** HAProxy in TCP mode in front of the gateway, sending PROXY protocol v2 (a trusted load balancer). */
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { spawnTracked, type Spawned } from './ipgate.js';
import { waitFor } from './wait.js';
import { freePort } from './ports.js';

export { freePort };

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export interface RunningHaproxy extends Spawned {
  readonly port: number;
}

/** Starts `haproxy -db` forwarding 127.0.0.1:PORT to the gateway with `send-proxy-v2`, from source 127.0.0.1. */
export async function startHaproxy(dir: string, gatewayPort: number): Promise<RunningHaproxy> {
  const port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  await writeFile(
    config,
    `global
  nbthread 1
defaults
  mode tcp
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server gw 127.0.0.1:${gatewayPort} send-proxy-v2 source 127.0.0.1
`,
  );
  const spawned = spawnTracked('haproxy', ['-db', '-f', config]);
  await waitFor(() => canConnect(port), 5000, 'haproxy listening');
  return { ...spawned, port };
}
