/**
 * Open TCP connections to the protected addresses, as the kernel lists them (pure parsing): sockets from
 * `ss -tnH state established` and conntrack entries from `conntrack -L -p tcp`. Revocation judges each
 * peer by the compiled profile and cuts the refused ones.
 */
import { isIP } from 'node:net';
import type { Endpoint } from '../config/address.js';

export interface Tuple {
  readonly localHost: string;
  readonly localPort: number;
  readonly peerHost: string;
  readonly peerPort: number;
}

/** `127.0.0.1:6443`, `[::1]:6443`, `[::ffff:127.0.0.2]:40000`, `*:6443` -> host, port. */
function endpoint(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^\s:]+|\*)):(\d+)$/.exec(text);
  if (m === null) return undefined;
  const host = (m[1] ?? m[2] ?? '').replace(/%.*$/, '');
  return { host, port: Number(m[3]) };
}

/** Lines of `ss -tnH state established ...`: Recv-Q Send-Q Local:Port Peer:Port [Process]. */
export function parseSs(text: string): Tuple[] {
  const out: Tuple[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const local = endpoint(fields[2] ?? '');
    const peer = endpoint(fields[3] ?? '');
    if (local === undefined || peer === undefined || isIP(peer.host) === 0) continue;
    out.push({ localHost: local.host, localPort: local.port, peerHost: peer.host, peerPort: peer.port });
  }
  return out;
}

/** An IPv4 address a dual-stack socket reports as `::ffff:a.b.c.d`, as the IPv4 address. */
function plain(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

/** Whether a connection's local end is this listener's address (a wildcard listener matches any address). */
export function atListener(localHost: string, localPort: number, listener: Endpoint): boolean {
  if (localPort !== listener.port) return false;
  const host = plain(localHost);
  if (listener.host === '::') return true;
  if (listener.host === '0.0.0.0') return isIP(host) === 4;
  return host === plain(listener.host);
}

export interface ConntrackEntry {
  readonly source: string;
  readonly destination: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** Where the connection really goes (the reply's source: after DNAT, the API server). */
  readonly replySource: string;
  readonly replySourcePort: number;
}

/** Lines of `conntrack -L -p tcp`: `tcp 6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=.. src=.. ...`. */
export function parseConntrack(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const values = (key: string): string[] => [...line.matchAll(new RegExp(`\\b${key}=(\\S+)`, 'g'))].map((m) => m[1] ?? '');
    const src = values('src');
    const dst = values('dst');
    const sport = values('sport');
    const dport = values('dport');
    if (src.length < 2 || dst.length < 1 || sport.length < 2 || dport.length < 1) continue;
    out.push({
      source: src[0] ?? '',
      destination: dst[0] ?? '',
      sourcePort: Number(sport[0]),
      destinationPort: Number(dport[0]),
      replySource: src[1] ?? '',
      replySourcePort: Number(sport[1]),
    });
  }
  return out;
}

/** An `ss` filter selecting exactly these connections (by both ends). */
export function ssFilter(tuples: readonly Tuple[]): string {
  const one = (t: Tuple): string => {
    const peer = t.peerHost.includes(':') ? `[${t.peerHost}]` : t.peerHost;
    return `( dst ${peer} and dport = :${t.peerPort} and sport = :${t.localPort} )`;
  };
  return tuples.map(one).join(' or ');
}
