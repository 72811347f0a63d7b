/**
 * Reads a request body within limits: at most `maxBytes` (a declared Content-Length over it is refused before
 * anything is read; a chunked body as soon as it passes it) and within `timeoutMs` for the whole body. A
 * refused body stops being read at once, so a client cannot make the server buffer or wait on its behalf.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError('ERR_BODY_TOO_LARGE', `The request body exceeds ${maxBytes} bytes (admin.maxBodyBytes); nothing was changed`);
}

/** 413 when the request announces a body larger than the limit (Content-Length), else undefined. */
export function declaredTooLarge(request: IncomingMessage, maxBytes: number): ApiError | undefined {
  const declared = Number(request.headers['content-length'] ?? 0);
  return declared > maxBytes ? tooLarge(maxBytes) : undefined;
}

/** Whether the request carries a body (Content-Length above 0, or a transfer encoding). */
export function hasBody(request: IncomingMessage): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

/** The body as UTF-8 text; rejects with 413 ERR_BODY_TOO_LARGE, 408 ERR_BODY_TIMEOUT or 400 ERR_BODY_ABORTED. */
export function readBody(request: IncomingMessage, limits: BodyLimits): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: ApiError | undefined): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      chunks.length = 0;
      if (error === undefined) return;
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBytes) stop(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      const text = Buffer.concat(chunks).toString('utf8');
      stop(undefined);
      resolve(text);
    };
    const onError = (): void => stop(new ApiError('ERR_BODY_ABORTED', 'The request body ended early (the connection was closed); nothing was changed'));
    const onClose = (): void => {
      if (!request.complete) onError();
    };
    const timer = setTimeout(
      () => stop(new ApiError('ERR_BODY_TIMEOUT', `The request body did not arrive within ${limits.timeoutMs} ms (admin.bodyTimeoutMs); nothing was changed`)),
      limits.timeoutMs,
    );
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
