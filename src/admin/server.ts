/** The admin API's HTTP server: reads the request, hands it to AdminApi, writes the answer. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoint } from '../config/address.js';
import { ApiError } from './api-error.js';
import type { AdminApi, AdminResponse } from './handler.js';

const MAX_BODY = 32 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'ERR_BODY_TOO_LARGE', `The request body exceeds ${MAX_BODY} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export class AdminServer {
  private readonly server: Server;

  constructor(api: AdminApi) {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://admin');
      const send = (answer: AdminResponse): void => {
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
      };
      readBody(request)
        .then((body) =>
          api.handle({
            method: request.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            authorization: request.headers.authorization,
            ifMatch: request.headers['if-match'],
            body,
            remoteAddress: request.socket.remoteAddress ?? '',
          }),
        )
        .then(send, (error: unknown) => {
          const e = error instanceof ApiError ? error : new ApiError(400, 'ERR_REQUEST', String(error));
          if (!response.headersSent) send({ status: e.status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(e)}\n` });
        });
    });
    this.server.keepAliveTimeout = 5000;
  }

  listen(endpoint: Endpoint): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: endpoint.host, port: endpoint.port }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
