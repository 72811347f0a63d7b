/** Child processes for the gateway benchmark: spawn, wait until a TCP port answers, stop cleanly. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../test/helpers/ports.js';

export { freePort };

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `command args`, optionally pinned to one CPU, and waits until host:port accepts connections. */
export async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  wait: { host: string; port: number },
  cpu?: number,
): Promise<Running> {
  const [cmd, argv] = cpu === undefined ? [command, [...args]] : ['taskset', ['-c', String(cpu), command, ...args]];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(wait.port, wait.host))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start listening on ${wait.host}:${wait.port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name,
    child,
    output: () => log,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
