/**
 * PROXY protocol (HAProxy, versions 1 and 2) header parser. Pure and incremental: call it with everything
 * received so far; it answers `incomplete` (wait for more), `invalid` (close the connection) or `done` with
 * the header's length (bytes after it are the client's data).
 * Version 2: PROXY over TCP4/TCP6, LOCAL (the balancer's own health check), UNSPEC; TLVs are skipped.
 */
import { parseAddress } from '../cidr/parse.js';
import { formatAddress } from '../cidr/format.js';

export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** `local`: no client address carried (health check, or v1 UNKNOWN): judge the peer itself. */
  readonly command: 'proxy' | 'local';
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
}

export type ProxyParseResult =
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly reason: string }
  | { readonly status: 'done'; readonly header: ProxyHeader; readonly length: number };

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V1_MAX = 107;
const V2_MAX_PAYLOAD = 4096;
const INCOMPLETE: ProxyParseResult = { status: 'incomplete' };

function invalid(reason: string): ProxyParseResult {
  return { status: 'invalid', reason };
}

/** Whether `buf` starts with (a prefix of) `signature`. */
function startsLike(buf: Buffer, signature: Buffer): boolean {
  const n = Math.min(buf.length, signature.length);
  return buf.subarray(0, n).equals(signature.subarray(0, n));
}

export function parseProxyHeader(buf: Buffer): ProxyParseResult {
  if (buf.length === 0) return INCOMPLETE;
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(buf);
  if (startsLike(buf, V1_PREFIX)) return buf.length < V1_PREFIX.length ? INCOMPLETE : parseV1(buf);
  return invalid('not a PROXY protocol header');
}

const PORT = /^(0|[1-9]\d{0,4})$/;

function endpoint(address: string, port: string, family: 4 | 6): ProxyEndpoint | undefined {
  if (!PORT.test(port) || Number(port) > 65535) return undefined;
  try {
    const parsed = parseAddress(address);
    const raw = family === 4 ? !address.includes(':') : address.includes(':');
    if (!raw || (family === 4 && parsed.family !== 4)) return undefined;
    return { address: formatAddress(parsed), port: Number(port) };
  } catch {
    return undefined;
  }
}

function parseV1(buf: Buffer): ProxyParseResult {
  const limit = Math.min(buf.length, V1_MAX);
  let end = -1;
  for (let i = V1_PREFIX.length; i < limit; i++) {
    if (buf[i] === 0x0a) return invalid('v1 header line must end with CRLF');
    if (buf[i] === 0x0d) {
      if (i + 1 >= buf.length) return INCOMPLETE;
      if (buf[i + 1] !== 0x0a) return invalid('v1 header has a CR without LF');
      end = i;
      break;
    }
  }
  if (end < 0) return buf.length >= V1_MAX ? invalid('v1 header longer than 107 bytes') : INCOMPLETE;
  const line = buf.toString('latin1', 0, end);
  if (!/^[\x20-\x7e]*$/.test(line)) return invalid('v1 header has non-printable characters');
  const parts = line.split(' ');
  const proto = parts[1];
  if (proto === 'UNKNOWN') return { status: 'done', header: { version: 1, command: 'local' }, length: end + 2 };
  if ((proto !== 'TCP4' && proto !== 'TCP6') || parts.length !== 6) return invalid(`v1 header "${line.slice(0, 60)}" is not "PROXY TCP4|TCP6 src dst sport dport"`);
  const family = proto === 'TCP4' ? 4 : 6;
  const source = endpoint(parts[2] ?? '', parts[4] ?? '', family);
  const destination = endpoint(parts[3] ?? '', parts[5] ?? '', family);
  if (source === undefined || destination === undefined) return invalid(`v1 header "${line.slice(0, 60)}" has a bad address or port`);
  return { status: 'done', header: { version: 1, command: 'proxy', source, destination }, length: end + 2 };
}

function v6(buf: Buffer, offset: number): string {
  let value = 0n;
  for (let i = 0; i < 16; i++) value = (value << 8n) | BigInt(buf[offset + i] ?? 0);
  return formatAddress({ family: 6, value });
}

function v4(buf: Buffer, offset: number): string {
  return `${buf[offset] ?? 0}.${buf[offset + 1] ?? 0}.${buf[offset + 2] ?? 0}.${buf[offset + 3] ?? 0}`;
}

function parseV2(buf: Buffer): ProxyParseResult {
  if (buf.length < 16) return INCOMPLETE;
  const verCmd = buf[12] ?? 0;
  const fam = buf[13] ?? 0;
  const len = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) return invalid(`v2 header has version ${verCmd >> 4}`);
  const command = verCmd & 0x0f;
  if (command > 1) return invalid(`v2 header has unknown command ${command}`);
  if (len > V2_MAX_PAYLOAD) return invalid(`v2 header payload of ${len} bytes is too long`);
  if (buf.length < 16 + len) return INCOMPLETE;
  const total = 16 + len;
  if (command === 0) return { status: 'done', header: { version: 2, command: 'local' }, length: total };
  const family = fam >> 4;
  const transport = fam & 0x0f;
  if (family === 0) return { status: 'done', header: { version: 2, command: 'local' }, length: total };
  if (transport !== 1) return invalid(`v2 header carries transport ${transport}, only TCP (STREAM) is supported`);
  if (family === 1) {
    if (len < 12) return invalid('v2 TCP4 header too short for its addresses');
    return {
      status: 'done',
      header: {
        version: 2,
        command: 'proxy',
        source: { address: v4(buf, 16), port: buf.readUInt16BE(24) },
        destination: { address: v4(buf, 20), port: buf.readUInt16BE(26) },
      },
      length: total,
    };
  }
  if (family === 2) {
    if (len < 36) return invalid('v2 TCP6 header too short for its addresses');
    return {
      status: 'done',
      header: {
        version: 2,
        command: 'proxy',
        source: { address: v6(buf, 16), port: buf.readUInt16BE(48) },
        destination: { address: v6(buf, 32), port: buf.readUInt16BE(50) },
      },
      length: total,
    };
  }
  return invalid(`v2 header has unsupported address family ${family}`);
}
