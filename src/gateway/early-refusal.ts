/**
 * Refusing a connection before Node makes a socket of it. A flood of refused connections is the cheapest
 * attack on a gateway, and most of what Node spends per accepted connection is the `net.Socket` around it
 * (a duplex stream with its state, listeners, async ids) and tearing it down again. Here the listening
 * handle's `onconnection` is wrapped: the new connection's peer address is read from its TCP handle, and a
 * refused one is reset (RST) right there; every other connection goes on to Node's own `onconnection` and
 * becomes a socket as usual.
 *
 * This uses Node's internal TCP handle (`server._handle.onconnection`, `getpeername`, `reset`; the same since
 * Node 12). Everything is checked at run time: without them nothing is installed and every connection takes
 * the ordinary path, which judges it the same way.
 */
import type { Server } from 'node:net';

/** The part of Node's internal TCP handle of an accepted connection used here. */
interface ClientHandle {
  getpeername(out: { address?: string | undefined }): number;
  /** Closes with SO_LINGER 0 (the peer gets a RST); 0 on success. */
  reset(): number;
  close(): void;
}

type OnConnection = (this: unknown, status: number, client: unknown) => void;

interface ListenHandle {
  onconnection: OnConnection;
}

function isListenHandle(value: unknown): value is ListenHandle {
  return typeof value === 'object' && value !== null && typeof (value as { onconnection?: unknown }).onconnection === 'function';
}

function isClientHandle(value: unknown): value is ClientHandle {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Partial<Record<keyof ClientHandle, unknown>>;
  return typeof h.getpeername === 'function' && typeof h.reset === 'function' && typeof h.close === 'function';
}

/**
 * Wraps a listening server's connection callback: `refuse(peer)` is asked for each new connection's peer
 * address and returns true when it refused it (it is then reset and never becomes a socket). Call once the
 * server listens. Returns whether the wrapper could be installed.
 */
export function installEarlyRefusal(server: Server, refuse: (peer: string) => boolean): boolean {
  const handle = (server as unknown as { _handle?: unknown })._handle;
  if (!isListenHandle(handle)) return false;
  const original = handle.onconnection;
  const peer: { address?: string | undefined } = {};
  handle.onconnection = function (this: unknown, status: number, client: unknown): void {
    if (status === 0 && isClientHandle(client)) {
      peer.address = undefined;
      if (client.getpeername(peer) === 0 && peer.address !== undefined && refuse(peer.address)) {
        if (client.reset() !== 0) client.close();
        return;
      }
    }
    original.call(this, status, client);
  };
  return true;
}
