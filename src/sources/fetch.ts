/**
 * HTTP download of a source with conditional requests (If-None-Match / If-Modified-Since), a timeout for
 * the whole exchange (headers and body), a size cap, and retries with exponential backoff for failures that
 * may pass (network errors, timeouts, 408, 429, 5xx). Other 4xx answers are not retried. The retry, the
 * backoff and the per-attempt timeout are cockatiel policies; this file says what is fetched and what may
 * be retried.
 */
import { ExponentialBackoff, handleType, noJitterGenerator, retry, timeout, TimeoutStrategy, wrap } from 'cockatiel';
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

/** One attempt; `signal` aborts at the attempt's timeout or when the caller stops. */
async function attempt(url: string, options: FetchOptions, signal: AbortSignal): Promise<FetchResult> {
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.1' };
  if (options.etag !== undefined) headers['if-none-match'] = options.etag;
  if (options.lastModified !== undefined) headers['if-modified-since'] = options.lastModified;
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

/** Resolves like `work`, or rejects with `onAbort()` as soon as `signal` aborts (a backoff wait is not waited out). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

export async function fetchSource(url: string, options: FetchOptions): Promise<FetchResult> {
  const tries = options.retries + 1;
  const failed = (why: string): IpgateError => new IpgateError('ERR_SOURCE_FETCH', `${url}: ${why} (${tries} attempt${tries === 1 ? '' : 's'})`, { input: url });
  // Retry n (1-based) waits backoffMs * 2^(n-1).
  const policy = wrap(
    retry(handleType(Retryable), {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({ initialDelay: options.backoffMs, maxDelay: Number.MAX_SAFE_INTEGER, generator: noJitterGenerator }),
    }).dangerouslyUnref(),
    timeout(options.timeoutMs, TimeoutStrategy.Cooperative).dangerouslyUnref(),
  );
  // The policies' timers are unref'd, so a stopped download never holds the process; while the download
  // runs (a backoff wait included) this handle does, until it ends or is stopped.
  const running = setInterval(() => undefined, 2 ** 30);
  try {
    return await untilAborted(
      policy.execute(({ signal }) => attempt(url, options, signal), options.signal),
      options.signal,
      () => failed('stopped'),
    );
  } catch (error) {
    if (error instanceof Retryable) throw failed(error.message);
    throw error;
  } finally {
    clearInterval(running);
  }
}
