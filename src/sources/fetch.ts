/**
 * HTTP download of a source with conditional requests (If-None-Match / If-Modified-Since), a timeout for
 * the whole exchange (headers and body), a size cap, and retries with exponential backoff for failures that
 * may pass (network errors, timeouts, 408, 429, 5xx). Other 4xx answers are not retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { IpgateError } from '../errors.js';

export interface FetchOptions {
  readonly etag?: string;
  readonly lastModified?: string;
  /** Whole-request timeout per attempt. */
  readonly timeoutMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Wait before retry n (0-based) is backoffMs * 2^n. */
  readonly backoffMs: number;
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

export type FetchResult =
  | { readonly status: 'not-modified' }
  | { readonly status: 'ok'; readonly text: string; readonly etag?: string; readonly lastModified?: string };

class Retryable extends Error {}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new IpgateError('ERR_SOURCE_FETCH', `${url}: response of ${declared} bytes exceeds the limit of ${maxBytes}`, { input: url });
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new IpgateError('ERR_SOURCE_FETCH', `${url}: response exceeds the limit of ${maxBytes} bytes`, { input: url });
    chunks.push(chunk);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

async function attempt(url: string, options: FetchOptions): Promise<FetchResult> {
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.1' };
  if (options.etag !== undefined) headers['if-none-match'] = options.etag;
  if (options.lastModified !== undefined) headers['if-modified-since'] = options.lastModified;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    throw new Retryable(describe(error, options.timeoutMs));
  }
  try {
    if (response.status === 304) return { status: 'not-modified' };
    if (response.status !== 200) {
      const message = `HTTP ${response.status} ${response.statusText}`.trim();
      if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Retryable(message);
      throw new IpgateError('ERR_SOURCE_FETCH', `${url}: ${message}`, { input: url });
    }
    const text = await readCapped(response, options.maxBytes, url);
    const etag = response.headers.get('etag') ?? undefined;
    const lastModified = response.headers.get('last-modified') ?? undefined;
    return { status: 'ok', text, ...(etag === undefined ? {} : { etag }), ...(lastModified === undefined ? {} : { lastModified }) };
  } catch (error) {
    if (error instanceof Retryable || error instanceof IpgateError) throw error;
    throw new Retryable(describe(error, options.timeoutMs));
  } finally {
    if (response.body !== null && !response.bodyUsed) await response.body.cancel().catch(() => undefined);
  }
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no complete answer within ${timeoutMs} ms`;
  if (error instanceof TypeError && error.message === 'The encoded data was not valid for encoding utf-8') return 'the response is not valid UTF-8';
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

export async function fetchSource(url: string, options: FetchOptions): Promise<FetchResult> {
  let last = '';
  for (let n = 0; n <= options.retries; n++) {
    if (n > 0) await sleep(options.backoffMs * 2 ** (n - 1), undefined, options.signal === undefined ? {} : { signal: options.signal });
    try {
      return await attempt(url, options);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      last = error.message;
      if (options.signal?.aborted === true) break;
    }
  }
  const tries = options.retries + 1;
  throw new IpgateError('ERR_SOURCE_FETCH', `${url}: ${last} (${tries} attempt${tries === 1 ? '' : 's'})`, { input: url });
}
