/**
 * The admin API's HTTP server: judges each request on its head first, reads the body only when the request
 * may use it, hands it to AdminApi and writes the answer.
 *
 * Nobody can make the server read or hold a body on their behalf: a `/v1/` request without the right token
 * is answered 401 from its headers; a body announced larger than `maxBodyBytes` is answered 413 before it
 * is read, a chunked one as soon as it passes the limit; a body still incomplete after `bodyTimeoutMs` is
 * answered 408. Each of those answers says `Connection: close` and the connection is closed without reading
 * the rest of the body (./close-answer.ts). `Expect: 100-continue` is only granted to requests that pass
 * these checks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoint } from '../config/address.js';
import { ApiError } from './api-error.js';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, declaredTooLarge, hasBody, readBody, type BodyLimits } from './body-reader.js';
import { answerAndClose } from './close-answer.js';
import { AdminApi } from './handler.js';
import { errorResponse, type AdminResponse } from './response.js';

export interface AdminServerOptions {
  /** Largest request body read (default 32 MiB). */
  readonly maxBodyBytes?: number | undefined;
  /** Time a request body has to arrive in full (default 10 s). */
  readonly bodyTimeoutMs?: number | undefined;
}

function send(response: ServerResponse, answer: AdminResponse): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
  response.end(answer.body);
}

/** Answers, then closes the connection without reading whatever is left of the request. */
function sendAndClose(request: IncomingMessage, response: ServerResponse, answer: AdminResponse): void {
  if (response.headersSent) request.socket.destroy();
  // Queued behind the answer to an earlier pipelined request: answered in turn, Node closes after it.
  else if (response.socket === null) send(response, { ...answer, headers: { ...answer.headers, connection: 'close' } });
  else answerAndClose(request, answer);
}

export class AdminServer {
  private readonly server: Server;
  private readonly limits: BodyLimits;

  constructor(private readonly api: AdminApi, options: AdminServerOptions = {}) {
    this.limits = { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, timeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS };
    this.server = createServer((request, response) => void this.serve(request, response, false));
    // With a listener here, Node leaves `100 Continue` to us: only requests that pass the head checks get it.
    this.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => void this.serve(request, response, true));
    this.server.keepAliveTimeout = 5000;
  }

  private async serve(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://admin');
      const early = this.api.refuseEarly(url.pathname, request.headers.authorization);
      if (early !== undefined) return sendAndClose(request, response, early);
      let body = '';
      if (hasBody(request)) {
        // Only authenticated /v1/ routes use a body; anywhere else it is left unread and the connection closed.
        if (!AdminApi.takesBody(url.pathname)) return sendAndClose(request, response, await this.handle(request, url, ''));
        const tooLarge = declaredTooLarge(request, this.limits.maxBytes);
        if (tooLarge !== undefined) return sendAndClose(request, response, errorResponse(tooLarge));
        if (expectsContinue) response.writeContinue();
        try {
          body = await readBody(request, this.limits);
        } catch (error) {
          if (error instanceof ApiError) return sendAndClose(request, response, errorResponse(error));
          throw error;
        }
      } else if (expectsContinue) {
        response.writeContinue();
      }
      send(response, await this.handle(request, url, body));
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('ERR_REQUEST', String(error));
      sendAndClose(request, response, errorResponse(e));
    }
  }

  private handle(request: IncomingMessage, url: URL, body: string): Promise<AdminResponse> {
    return this.api.handle({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: request.headers.authorization,
      ifMatch: request.headers['if-match'],
      body,
      remoteAddress: request.socket.remoteAddress ?? '',
    });
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
