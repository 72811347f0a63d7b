/**
 * HTTP/1.1 over a raw TCP socket, for requests an ordinary client will not send: bodies larger than they
 * claim, bodies that keep coming after the answer, bodies trickled byte by byte. It records what the server
 * answered (status line and text) and how the connection ended (closed, reset), so a test can tell a 413
 * answer from a connection reset.
 */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';

export interface RawAnswer {
  /** The status code of the answer, undefined when none arrived. */
  readonly status: number | undefined;
  /** Everything the server sent. */
  readonly text: string;
  /** The socket error seen (ECONNRESET, EPIPE), if any. */
  readonly error: string | undefined;
  /** Body bytes the client managed to write before the connection ended. */
  readonly sent: number;
  /** Milliseconds from connect until the status line arrived (undefined without one). */
  readonly answeredAfterMs: number | undefined;
}

/** How the body is sent once the request head is written. Resolves when done; `alive()` turns false once the connection ended. */
export type BodySender = (socket: Socket, alive: () => boolean, count: (n: number) => void) => Promise<void>;

function write(socket: Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    if (socket.write(data)) resolve();
    else {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    }
  });
}

/** `total` body bytes (a JSON-ish filler) in 64 KiB writes, stopping when the connection ends. */
export function plainBody(total: number): BodySender {
  return async (socket, alive, count) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = total;
    while (left > 0 && alive()) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      await write(socket, piece);
      left -= piece.length;
      count(piece.length);
    }
  };
}

/** `total` body bytes in chunked transfer encoding (64 KiB chunks), then the last chunk. */
export function chunkedBody(total: number): BodySender {
  return async (socket, alive, count) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = total;
    while (left > 0 && alive()) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      await write(socket, Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
      left -= piece.length;
      count(piece.length);
    }
    if (alive()) await write(socket, '0\r\n\r\n');
  };
}

/** A few bytes of the body, then nothing more (the connection is left open until the server ends it). */
export function stalledBody(first: string): BodySender {
  return async (socket, _alive, count) => {
    await write(socket, first);
    count(first.length);
  };
}

export interface RawRequest {
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: BodySender;
  /** Give up (destroy the socket) after this long; the answer is what arrived until then. */
  readonly timeoutMs: number;
}

/** Sends one request over a fresh connection and resolves when the connection ends (or at the timeout). */
export function rawRequest(request: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port: request.port });
    const received: Buffer[] = [];
    let open = true;
    let error: string | undefined;
    let sent = 0;
    let answeredAfterMs: number | undefined;
    const timer = setTimeout(() => socket.destroy(), request.timeoutMs);
    socket.on('data', (d: Buffer) => {
      received.push(d);
      answeredAfterMs ??= Date.now() - started;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    socket.on('close', () => {
      open = false;
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text, error, sent, answeredAfterMs: status === undefined ? undefined : answeredAfterMs });
    });
    socket.on('connect', () => {
      const head = [`${request.method} ${request.path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      void write(socket, head)
        .then(() => request.body(socket, () => open && !socket.destroyed, (n) => (sent += n)))
        .catch(() => undefined);
    });
  });
}

/** The JSON body of a raw answer (after the blank line), or undefined. */
export function answerJson(answer: RawAnswer): unknown {
  const at = answer.text.indexOf('\r\n\r\n');
  if (at < 0) return undefined;
  try {
    return JSON.parse(answer.text.slice(at + 4));
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in bytes (`VmRSS` of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
