/**
 * A balancer stand-in: PROXY protocol v2 headers built by hand, and a TCP relay on 127.0.0.1 that connects to
 * a target from a chosen loopback source (the balancer's address) and announces a chosen client address in a
 * PROXY v2 header before relaying both ways, so a test can play a client from anywhere behind it.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { parseAddress } from '../../src/cidr/parse.js';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A PROXY v2 PROXY-command header over TCP4 carrying `source` (an IPv4 address). */
export function proxyV2(source: string, destination = '127.0.0.1', sourcePort = 40000, destinationPort = 443): Buffer {
  const payload = Buffer.alloc(12);
  const put = (address: string, at: number): void => {
    const value = parseAddress(address).value;
    payload.writeUInt32BE(Number(value), at);
  };
  put(source, 0);
  put(destination, 4);
  payload.writeUInt16BE(sourcePort, 8);
  payload.writeUInt16BE(destinationPort, 10);
  return Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x11, 0x00, 12]), payload]);
}

export interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1; each connection is relayed to `targetPort` from `from`, after a header carrying `client`. */
export async function startRelay(targetPort: number, from: string, client: string): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port: targetPort, localAddress: from }, () => {
      outbound.write(proxyV2(client));
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
