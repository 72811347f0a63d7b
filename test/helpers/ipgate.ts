/**
 * Runs `ipgate serve` as a real child process (bin/ipgate.js) and reads its ready lines: the bound port of
 * each listener and the admin URL. Every process started here is killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { waitFor } from './wait.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin/ipgate.js');

const running = new Set<ChildProcess>();
function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(128);
  });
}

export interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

export function spawnTracked(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolveExit(code ?? signal ?? -1);
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

export interface RunningIpgate extends Spawned {
  /** Port of each listener by name. */
  readonly ports: ReadonlyMap<string, number>;
  /** `http://127.0.0.1:PORT` (`https://` with admin.tls), when the config has an admin section. */
  readonly adminUrl: string | undefined;
  /** `http://127.0.0.1:PORT`, when the config has a metrics listener. */
  readonly metricsUrl: string | undefined;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  readonly cwd?: string;
  readonly readyTimeoutMs?: number;
  /** Variables added to the child's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** A command the process is started through, e.g. `ip netns exec NAME` (which execs it in place). */
  readonly wrap?: readonly string[];
}

export async function startIpgateArgs(args: readonly string[], options: StartOptions = {}): Promise<RunningIpgate> {
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  const spawned = spawnTracked(command ?? process.execPath, [...prefix, BIN, 'serve', ...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
  try {
    await waitFor(
      async () => {
        if (spawned.stdout().includes('ipgate: ready')) return true;
        const state = await Promise.race([spawned.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))]);
        if (state !== undefined) throw new Error(`ipgate serve exited (${state}) before ready:\n${spawned.stdout()}${spawned.stderr()}`);
        return false;
      },
      options.readyTimeoutMs ?? 8000,
      'ipgate ready line',
    );
  } catch (error) {
    spawned.child.kill('SIGKILL');
    throw error;
  }
  const ports = new Map<string, number>();
  for (const match of spawned.stdout().matchAll(/^ipgate: listener (\S+) on (?:\[[^\]]+\]|[^\s:]+):(\d+) /gm)) {
    ports.set(match[1] ?? '', Number(match[2]));
  }
  const admin = /^ipgate: admin API on (https?:\/\/\S+)$/m.exec(spawned.stdout());
  const metrics = /^ipgate: metrics on (http:\/\/\S+)$/m.exec(spawned.stdout());
  return {
    ...spawned,
    ports,
    adminUrl: admin?.[1],
    metricsUrl: metrics?.[1],
    logs: () =>
      spawned
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      spawned.child.kill(signal);
      return spawned.exited;
    },
  };
}

/** Writes `config` (an object, written as YAML) to DIR/ipgate.yaml and starts `ipgate serve --config`. */
export async function startIpgate(dir: string, config: Record<string, unknown>, options: Omit<StartOptions, 'cwd'> = {}): Promise<RunningIpgate> {
  const file = join(dir, 'ipgate.yaml');
  await writeFile(file, stringify(config));
  return startIpgateArgs(['--config', file], { cwd: dir, ...options });
}

/** Runs `ipgate ARGS` to completion (`env` is added to this process's environment). */
export async function runIpgate(args: readonly string[], cwd?: string, env?: NodeJS.ProcessEnv): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const spawned = spawnTracked(process.execPath, [BIN, ...args], { ...(cwd === undefined ? {} : { cwd }), ...(env === undefined ? {} : { env: { ...process.env, ...env } }) });
  spawned.child.stdin?.end();
  const code = await spawned.exited;
  return { code, stdout: spawned.stdout(), stderr: spawned.stderr() };
}
