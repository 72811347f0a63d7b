/**
 * The admin API's listening socket, with the PROXY protocol as on the gateway's listeners: a peer in
 * `trustedFrom` (the load balancer) must send a valid PROXY v1/v2 header within `timeoutMs`, and the address
 * it carries is the caller's; without a valid header in time the connection is closed. Any other peer is the
 * caller itself, and whatever it sends is never read as a header. Each accepted connection is then handed to
 * the HTTP(S) server with the bytes after the header put back in front of the stream.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { compileMatcher, type Matcher } from '../cidr/matcher.js';
import { socketAddress } from '../cidr/format.js';
import type { Endpoint } from '../config/address.js';
import type { ProxyProtocolConfig } from '../config/types.js';
import { listenOn } from '../net/listen.js';
import { parseProxyHeader } from '../net/proxy-protocol.js';

/** Header bytes a trusted peer may send before it is judged malformed (as on the gateway's listeners). */
const MAX_HEADER_BYTES = 4096 + 16;

/** How the caller's address was seen. */
export interface SeenAddress {
  /** The caller's address: the one a PROXY header carried, else the TCP peer's. */
  readonly address: string;
  /** The TCP peer (the balancer, when a header carried the address). */
  readonly peer: string;
  /** Whether a PROXY header carried the address. */
  readonly proxied: boolean;
}

export interface ProxyFrontOptions {
  readonly proxyProtocol?: ProxyProtocolConfig | undefined;
  /** Takes over an accepted connection (the HTTP or HTTPS server). */
  readonly handOver: (socket: Socket) => void;
  /** A trusted peer's header was bad or late: the connection was closed. */
  readonly onRefused?: (peer: string, problem: string) => void;
}

/** The key of a connection by its peer's address and port (the same on the raw socket and a TLS socket over it). */
function keyOf(socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined }): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? 0}`;
}

export class ProxyFront {
  private readonly server: Server;
  private readonly trusted: Matcher | undefined;
  /** Addresses carried by PROXY headers, by connection, while the connection is open. */
  private readonly carried = new Map<string, string>();
  /** Connections still waiting for their header. */
  private readonly waiting = new Set<Socket>();
  /** Every open connection (closed at once by close()). */
  private readonly open = new Set<Socket>();

  constructor(private readonly options: ProxyFrontOptions) {
    this.trusted = options.proxyProtocol === undefined ? undefined : compileMatcher(options.proxyProtocol.trustedFrom);
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  /** How the caller of a connection (the raw socket, or a TLS socket over it) was seen. */
  seen(socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined }): SeenAddress {
    const peer = socketAddress(socket.remoteAddress ?? '');
    const carried = this.carried.get(keyOf(socket));
    return carried === undefined ? { address: peer, peer, proxied: false } : { address: carried, peer, proxied: true };
  }

  private accept(socket: Socket): void {
    const peer = socket.remoteAddress;
    if (peer === undefined) {
      socket.destroy();
      return;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    if (this.trusted === undefined || !this.trusted.has(peer)) {
      this.options.handOver(socket);
      return;
    }
    this.awaitHeader(socket, socketAddress(peer));
  }

  private awaitHeader(socket: Socket, peer: string): void {
    let received: Buffer = Buffer.alloc(0);
    this.waiting.add(socket);
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      this.waiting.delete(socket);
    };
    const refuse = (problem: string): void => {
      done();
      socket.destroy();
      this.options.onRefused?.(peer, problem);
    };
    const timer = setTimeout(() => refuse(`no complete PROXY header within ${this.options.proxyProtocol?.timeoutMs ?? 0} ms`), this.options.proxyProtocol?.timeoutMs ?? 3000);
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const result = parseProxyHeader(received);
      if (result.status === 'incomplete') {
        if (received.length > MAX_HEADER_BYTES) refuse('the PROXY header is too long');
        return;
      }
      if (result.status === 'invalid') {
        refuse(`malformed PROXY header: ${result.reason}`);
        return;
      }
      done();
      socket.pause();
      if (result.header.command === 'proxy' && result.header.source !== undefined) {
        const key = keyOf(socket);
        this.carried.set(key, socketAddress(result.header.source.address));
        socket.once('close', () => this.carried.delete(key));
      }
      const rest = received.subarray(result.length);
      if (rest.length > 0) socket.unshift(rest);
      this.options.handOver(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    // A peer that connects and leaves without a byte (a TCP health check) is not a bad header.
    socket.once('close', () => {
      if (this.waiting.has(socket)) done();
    });
    socket.resume();
  }

  listen(endpoint: Endpoint): Promise<AddressInfo> {
    return listenOn(this.server, { host: endpoint.host, port: endpoint.port });
  }

  /** Stops accepting and closes every open connection. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    this.waiting.clear();
    return closed;
  }
}
