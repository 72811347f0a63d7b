/**
 * Answering a request whose body is refused (401 before it is read, 413, 408) and closing the connection
 * without reading the rest of the body.
 *
 * Closing a socket that still has unread data makes the kernel send a reset, which can overtake the answer
 * (a client busy sending its body sees "connection reset", never the 413). So the answer is written straight
 * to the socket followed by a FIN (half-close), nothing more is read (the body waits in kernel buffers, not in
 * this process), and the socket is destroyed when the client closes its side or after a short linger, by
 * which time the client has read the answer.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AdminResponse } from './response.js';

/** How long a refused connection is kept half-closed for the client to read the answer. */
export const LINGER_MS = 1000;

export function answerAndClose(request: IncomingMessage, answer: AdminResponse, lingerMs = LINGER_MS): void {
  const socket = request.socket;
  request.pause();
  if (socket.destroyed) return;
  const headers: Record<string, string> = {
    ...answer.headers,
    'content-length': String(Buffer.byteLength(answer.body)),
    date: new Date().toUTCString(),
    connection: 'close',
  };
  const head = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(`${head}\r\n\r\n${answer.body}`);
}
