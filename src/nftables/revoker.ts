/**
 * Cutting open connections the profile no longer allows, on both ends: the server-side sockets are
 * destroyed with `ss -K` (the kernel's sock_destroy: the socket is aborted and the client gets a reset),
 * and conntrack entries are deleted (`conntrack -D`), which is what ends a connection that reaches the API
 * server through DNAT, whose socket is not on this host. The packets of a refused source are dropped or
 * reset by the rules from the change on anyway; this makes both ends notice at once.
 */
import { execFile } from 'node:child_process';
import type { ListenerConfig } from '../config/types.js';
import type { CompiledProfile } from '../policy/decide.js';
import { atListener, parseConntrack, parseSs, ssFilter, type Tuple } from './connections.js';

const BATCH = 40;

interface Ran {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' || typeof error.code === 'string' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function refused(compiled: CompiledProfile, address: string): boolean {
  try {
    return !compiled.decide(address).allowed;
  } catch {
    return false; // not an IP address
  }
}

export interface RevokeResult {
  /** Sockets destroyed, by listener name. */
  readonly sockets: ReadonlyMap<string, number>;
  readonly conntrack: number;
  /** What could not be done (a missing tool, a kernel without sock_destroy). */
  readonly problems: readonly string[];
}

export class Revoker {
  constructor(private readonly listeners: readonly ListenerConfig[]) {}

  private listenerOf(localHost: string, localPort: number): ListenerConfig | undefined {
    return this.listeners.find((l) => atListener(localHost, localPort, l.address));
  }

  /** Established connections to the listeners, by listener name. */
  async established(): Promise<{ tuples: { listener: string; tuple: Tuple }[]; problem?: string }> {
    if (this.listeners.length === 0) return { tuples: [] };
    const ports = [...new Set(this.listeners.map((l) => l.address.port))];
    const filter = `( ${ports.map((p) => `sport = :${p}`).join(' or ')} )`;
    const listed = await run('ss', ['-tnH', 'state', 'established', filter]);
    if (listed.code !== 0) return { tuples: [], problem: `ss: ${listed.stderr.trim() || String(listed.code)}` };
    const tuples: { listener: string; tuple: Tuple }[] = [];
    for (const tuple of parseSs(listed.stdout)) {
      const l = this.listenerOf(tuple.localHost, tuple.localPort);
      if (l !== undefined) tuples.push({ listener: l.name, tuple });
    }
    return { tuples };
  }

  async revoke(compiled: CompiledProfile): Promise<RevokeResult> {
    const problems: string[] = [];
    const sockets = new Map<string, number>();
    const open = await this.established();
    if (open.problem !== undefined) problems.push(open.problem);
    const cut = open.tuples.filter((t) => refused(compiled, t.tuple.peerHost));
    for (let i = 0; i < cut.length; i += BATCH) {
      const part = cut.slice(i, i + BATCH);
      const killed = await run('ss', ['-K', '-tnH', 'state', 'established', ssFilter(part.map((p) => p.tuple))]);
      if (killed.code !== 0 || /Operation not supported|Invalid argument/i.test(killed.stderr)) {
        problems.push(`ss -K: ${killed.stderr.trim() || String(killed.code)} (the kernel needs CONFIG_INET_DIAG_DESTROY)`);
        continue;
      }
      const destroyed = parseSs(killed.stdout).length;
      for (const p of part.slice(0, destroyed)) sockets.set(p.listener, (sockets.get(p.listener) ?? 0) + 1);
    }
    return { sockets, conntrack: await this.conntrack(compiled, problems), problems };
  }

  /** Deletes the conntrack entries of refused sources to the listeners (none when conntrack is not in use). */
  private async conntrack(compiled: CompiledProfile, problems: string[]): Promise<number> {
    const listed = await run('conntrack', ['-L', '-p', 'tcp']);
    if (listed.code === 'ENOENT') return 0; // conntrack-tools not installed: no entries to clean
    let deleted = 0;
    for (const e of parseConntrack(listed.stdout)) {
      const target = this.listenerOf(e.replySource, e.replySourcePort) ?? this.listenerOf(e.destination, e.destinationPort);
      if (target === undefined || !refused(compiled, e.source)) continue;
      const args = ['-D', '-p', 'tcp', '--orig-src', e.source, '--orig-dst', e.destination, '--sport', String(e.sourcePort), '--dport', String(e.destinationPort)];
      const result = await run('conntrack', args);
      if (result.code === 0) deleted++;
      else if (!/0 flow entries/.test(result.stderr)) problems.push(`conntrack -D: ${result.stderr.trim()}`);
    }
    return deleted;
  }
}
