/**
 * Binding a server: resolves with the bound address (the real port when 0 was asked for) or rejects with the
 * bind error (EADDRINUSE, EACCES, EADDRNOTAVAIL), leaving no error listener behind once bound.
 */
import type { AddressInfo, ListenOptions, Server } from 'node:net';

export function listenOn(server: Server, options: ListenOptions): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
