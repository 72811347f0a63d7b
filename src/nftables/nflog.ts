/**
 * Refused connections the kernel logged to an NFLOG group (the optional `log` rule of each listener's
 * refuse chain, rate-limited there), read with `tcpdump -i nflog:GROUP`, which prints one line per logged
 * packet. Each line names the source and the protected address and port, which is all the audit log needs;
 * the reason comes from ipgate's compiled profile. If the reader exits it is started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LoggedPacket {
  readonly source: string;
  readonly destination: string;
  readonly port: number;
}

/** `IP 127.0.0.3.52158 > 127.0.0.1.8443: tcp 0` / `IP6 ::1.46918 > ::1.8443: tcp 0` (tcpdump -nn -q -t). */
export function parseTcpdumpLine(line: string): LoggedPacket | undefined {
  const m = /^IP6? (\S+)\.\d+ > (\S+)\.(\d+): /.exec(line.trim());
  if (m === null) return undefined;
  return { source: m[1] ?? '', destination: m[2] ?? '', port: Number(m[3]) };
}

const RESTART_MS = 2000;

export class NflogReader {
  private child: ChildProcess | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly group: number,
    private readonly onPacket: (packet: LoggedPacket) => void,
    private readonly onProblem: (problem: string) => void,
    private readonly binary = 'tcpdump',
  ) {}

  start(): void {
    if (this.stopped) return;
    const child = spawn(this.binary, ['-i', `nflog:${this.group}`, '-nn', '-q', '-t', '-l', '-p'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-2000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const packet = parseTcpdumpLine(line);
      if (packet !== undefined) this.onPacket(packet);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.onProblem(error.code === 'ENOENT' ? `${this.binary} is not installed (Debian: apt-get install tcpdump)` : error.message);
    });
    child.on('close', (code, signal) => {
      if (this.stopped) return;
      const said = stderr.split('\n').filter((l) => l.trim().length > 0 && !/^(listening on|tcpdump: verbose)/.test(l)).join(' | ');
      if (code !== null || signal !== null) this.onProblem(`${this.binary} -i nflog:${this.group} exited (${code ?? signal})${said ? `: ${said}` : ''}; started again in ${RESTART_MS} ms`);
      this.timer = setTimeout(() => this.start(), RESTART_MS);
      this.timer.unref();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.child?.kill('SIGTERM');
  }
}
