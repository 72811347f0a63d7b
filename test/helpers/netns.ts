/**
 * A network namespace of the test's own (`ip netns add`), so kernel rules (nftables, iptables, ipset) are
 * changed there and never on the host's ruleset. Loopback is brought up, so 127.0.0.N sources and ::1 work
 * inside. Commands run in it through `ip netns exec`; `remove()` (also run when the test process exits)
 * deletes it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { spawnTracked, type Spawned } from './ipgate.js';
import type { AdminResult, CurlResult } from './clients.js';

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const created = new Set<string>();
process.on('exit', () => {
  for (const name of created) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

function run(command: string, args: readonly string[], input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined); // a command that exits before reading its input
    child.stdin?.end(input ?? '');
  });
}

export class Netns {
  private constructor(readonly name: string) {}

  /** Creates a namespace named `ipgate-PID-N` with loopback up. */
  static async create(tag = 't'): Promise<Netns> {
    const name = `ipgate-${tag}-${process.pid}-${created.size}`;
    const added = await run('ip', ['netns', 'add', name]);
    if (added.code !== 0) throw new Error(`ip netns add ${name}: ${added.stderr}`);
    created.add(name);
    const ns = new Netns(name);
    await ns.must('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** `ip netns exec NAME` as a prefix for commands started by other helpers. */
  get wrap(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  exec(command: string, args: readonly string[], input?: string): Promise<Ran> {
    return run('ip', ['netns', 'exec', this.name, command, ...args], input);
  }

  /** Like exec, but throws with the output when the command fails. */
  async must(command: string, args: readonly string[], input?: string): Promise<Ran> {
    const result = await this.exec(command, args, input);
    if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${this.name}) exited ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  }

  spawn(command: string, args: readonly string[]): Spawned {
    return spawnTracked('ip', ['netns', 'exec', this.name, command, ...args]);
  }

  /** `curl --interface SOURCE --cacert CA https://HOST:PORT/version` inside the namespace. */
  async curl(source: string, host: string, port: number, cacert: string, timeoutS = 3): Promise<CurlResult> {
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}/version`;
    const r = await this.exec('curl', ['-sS', '--interface', source, '--cacert', cacert, '--max-time', String(timeoutS), url]);
    return { code: r.code, body: r.stdout, stderr: r.stderr };
  }

  /** One admin API request with curl inside the namespace. */
  async admin(baseUrl: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<AdminResult> {
    const args = ['-sS', '-X', method, '-w', '\n%{http_code}', '--max-time', '60'];
    if (options.token !== undefined) args.push('-H', `authorization: Bearer ${options.token}`);
    if (options.body !== undefined) args.push('-H', 'content-type: application/json', '--data-binary', '@-');
    const r = await this.exec('curl', [...args, new URL(path, baseUrl).href], options.body === undefined ? undefined : JSON.stringify(options.body));
    const at = r.stdout.lastIndexOf('\n');
    const text = r.stdout.slice(0, at);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: Number(r.stdout.slice(at + 1)), headers: {}, text, json };
  }

  async remove(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]);
    created.delete(this.name);
  }
}
