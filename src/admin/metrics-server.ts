/**
 * The metrics listener (`metrics.address`): `/metrics`, `/healthz` and `/readyz` over plain HTTP without a
 * token, so Prometheus and load-balancer health checks need no admin credential. Nothing else is served;
 * request bodies are never read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoint } from '../config/address.js';
import { listenOn } from '../net/listen.js';
import { ApiError } from './api-error.js';
import { healthAnswer, HEALTH_PATHS, type HealthDeps } from './health.js';
import { errorResponse, type AdminResponse } from './response.js';

export class MetricsServer {
  private readonly server: Server;

  constructor(private readonly deps: HealthDeps) {
    this.server = createServer((request, response) => {
      void this.answer(new URL(request.url ?? '/', 'http://metrics').pathname).then((answer) => {
        const close = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
        response.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)), ...(close ? { connection: 'close' } : {}) });
        response.end(answer.body);
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  private async answer(path: string): Promise<AdminResponse> {
    try {
      return (await healthAnswer(path, this.deps)) ?? errorResponse(new ApiError('ERR_NOT_FOUND', `No such endpoint: ${path} (the metrics listener serves ${HEALTH_PATHS.join(', ')})`));
    } catch (error) {
      return errorResponse(new ApiError('ERR_INTERNAL', error instanceof Error ? error.message : String(error)));
    }
  }

  listen(endpoint: Endpoint): Promise<AddressInfo> {
    return listenOn(this.server, { host: endpoint.host, port: endpoint.port });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
