/**
 * The admin API's HTTP(S) server: judges each request on its head first, reads the body only when the request
 * may use it, hands it to AdminApi and writes the answer.
 *
 * Nobody can make the server read or hold a body on their behalf: a `/v1/` request without the right token
 * is answered 401 from its headers (a token whose scope does not allow the method, 403); a body announced
 * larger than `maxBodyBytes` is answered 413 before it is read, a chunked one as soon as it passes the
 * limit; a body still incomplete after `bodyTimeoutMs` is answered 408. Each of those answers says
 * `Connection: close` and the connection is closed without reading the rest of the body
 * (./close-answer.ts). `Expect: 100-continue` is only granted to requests that pass these checks.
 *
 * With `tls`, the API is HTTPS (certificate and key replaceable while running: new connections use the new
 * ones); with a client CA, every client must present a certificate it signed, and its subject is the
 * caller's name. With `proxyProtocol`, a trusted balancer's PROXY header says who the caller is
 * (./proxy-front.ts).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Endpoint } from '../config/address.js';
import type { ProxyProtocolConfig } from '../config/types.js';
import type { Logger } from '../runtime/log.js';
import { ApiError } from './api-error.js';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, declaredTooLarge, hasBody, readBody, type BodyLimits } from './body-reader.js';
import { answerAndClose } from './close-answer.js';
import { AdminApi } from './handler.js';
import { ProxyFront } from './proxy-front.js';
import { errorResponse, type AdminResponse } from './response.js';
import { subjectName, type TlsMaterial } from './tls-material.js';

export interface AdminServerOptions {
  /** Largest request body read (default 32 MiB). */
  readonly maxBodyBytes?: number | undefined;
  /** Time a request body has to arrive in full (default 10 s). */
  readonly bodyTimeoutMs?: number | undefined;
  /** HTTPS with these files (with `ca`: client certificates required). */
  readonly tls?: TlsMaterial | undefined;
  /** Balancers whose PROXY headers carry the caller's address. */
  readonly proxyProtocol?: ProxyProtocolConfig | undefined;
  readonly log?: Logger | undefined;
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
  private readonly front: ProxyFront;
  private readonly limits: BodyLimits;
  private readonly tls: boolean;

  constructor(private readonly api: AdminApi, private readonly options: AdminServerOptions = {}) {
    this.limits = { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, timeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS };
    const onRequest = (request: IncomingMessage, response: ServerResponse): void => void this.serve(request, response, false);
    const tls = options.tls;
    this.tls = tls !== undefined;
    this.server = tls === undefined
      ? createHttpServer(onRequest)
      : createHttpsServer({ ...tls, requestCert: tls.ca !== undefined, rejectUnauthorized: tls.ca !== undefined }, onRequest);
    // With a listener here, Node leaves `100 Continue` to us: only requests that pass the head checks get it.
    this.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => void this.serve(request, response, true));
    this.server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      options.log?.('debug', 'admin-tls-refused', { peer: socket.remoteAddress ?? '', problem: error.message });
    });
    this.server.keepAliveTimeout = 5000;
    this.front = new ProxyFront({
      proxyProtocol: options.proxyProtocol,
      // A TLS server reads what the socket holds (the bytes after a PROXY header) itself; HTTP needs the socket flowing.
      handOver: (socket: Socket) => {
        this.server.emit('connection', socket);
        if (!this.tls) socket.resume();
      },
      onRefused: (peer, problem) => options.log?.('warn', 'admin-proxy-header-refused', { peer, problem }),
    });
  }

  /** SIGHUP: new connections use these files (open ones keep theirs). */
  replaceTls(material: TlsMaterial): void {
    if (!this.tls) return;
    (this.server as unknown as { setSecureContext(options: TlsMaterial): void }).setSecureContext(material);
  }

  private async serve(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://admin');
      const early = this.api.refuseEarly(url.pathname, request.method ?? 'GET', request.headers.authorization, this.clientSubject(request.socket));
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
    const seen = this.front.seen(request.socket);
    const clientSubject = this.clientSubject(request.socket);
    return this.api.handle({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: request.headers.authorization,
      ifMatch: request.headers['if-match'],
      body,
      remoteAddress: seen.address,
      seenVia: { listener: 'admin', peer: seen.peer, proxyProtocol: seen.proxied },
      ...(clientSubject === undefined ? {} : { clientSubject }),
    });
  }

  /** The subject of the client certificate (verified against admin.tls.clientCaFile), when there is one. */
  private clientSubject(socket: Socket): string | undefined {
    if (!this.tls || this.options.tls?.ca === undefined) return undefined;
    const tlsSocket = socket as TLSSocket;
    if (!tlsSocket.authorized) return undefined;
    const subject = tlsSocket.getPeerX509Certificate()?.subject;
    return subject === undefined || subject === '' ? undefined : subjectName(subject);
  }

  listen(endpoint: Endpoint): Promise<AddressInfo> {
    return this.front.listen(endpoint);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return this.front.close();
  }
}
