/**
 * HAProxy as ipgate's child process (managed mode): checked (`haproxy -c`), started in master-worker mode
 * in the foreground, restarted when it dies, stopped on exit. A pid file in the state directory lets the
 * next start stop an HAProxy left behind by an ipgate that was killed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { IpgateError } from '../errors.js';

export interface HaproxyProcessOptions {
  readonly binary: string;
  readonly configFile: string;
  readonly pidFile: string;
  /** Called with each exit (code or signal) of an HAProxy that was not asked to stop. */
  readonly onExit: (how: string, output: string) => void;
  /** Called after each (re)start. */
  readonly onStart: (pid: number) => void;
  readonly restartDelayMs?: number;
}

function notFound(binary: string): IpgateError {
  return new IpgateError('ERR_HAPROXY_NOT_FOUND', `HAProxy binary "${binary}" was not found`, {
    input: binary,
    suggestion: 'install HAProxy (apt-get install haproxy) or set dataplane.binary to its path',
  });
}

/** `haproxy -c -f FILE`: throws ERR_HAPROXY_NOT_FOUND or ERR_HAPROXY_CONFIG (with HAProxy's alerts). */
export function checkConfig(binary: string, configFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['-c', '-f', configFile], (error, stdout, stderr) => {
      if (error === null) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(notFound(binary));
      const alerts = `${stdout}${stderr}`
        .split('\n')
        .filter((l) => l.includes('ALERT'))
        .join('; ');
      reject(new IpgateError('ERR_HAPROXY_CONFIG', `HAProxy refused the configuration ${configFile}: ${alerts || error.message}`, { input: configFile }));
    });
  });
}

async function stopStale(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('haproxy')) process.kill(pid, 'SIGTERM');
  } catch {
    // not running any more
  }
  await rm(pidFile, { force: true });
}

export class HaproxyProcess {
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  restarts = 0;

  constructor(private readonly options: HaproxyProcessOptions) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    await stopStale(this.options.pidFile);
    await this.spawnOnce();
  }

  private spawnOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, ['-W', '-db', '-f', this.options.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (d: Buffer): void => {
        output = (output + d.toString('utf8')).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? notFound(this.options.binary) : error));
      child.once('spawn', () => {
        this.child = child;
        if (child.pid !== undefined) {
          void writeFile(this.options.pidFile, `${child.pid}\n`).catch(() => undefined);
          this.options.onStart(child.pid);
        }
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (this.stopped) return;
        this.options.onExit(signal ?? String(code), output);
        this.restartTimer = setTimeout(() => {
          this.restarts++;
          this.spawnOnce().catch((error: unknown) => this.options.onExit(`restart failed: ${String(error)}`, ''));
        }, this.options.restartDelayMs ?? 500);
      });
    });
  }

  /** Stops HAProxy (SIGTERM to the master, SIGKILL after `graceMs`) and does not restart it. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    await rm(this.options.pidFile, { force: true });
  }
}
