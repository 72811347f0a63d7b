/**
 * The download of a URL source (src/sources/fetch.ts) against a real HTTP server on loopback: which answers
 * are retried (network errors, timeouts, 408, 429, 5xx) and which are not (other 4xx), how many attempts
 * are made, the exponential backoff between them, the timeout of each attempt, and a stop that does not
 * wait out a backoff.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fetchSource, type FetchOptions } from '../src/sources/fetch.js';

interface Step {
  readonly status: number;
  readonly body?: string;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

let server: Server;
let base: string;
let script: Step[] = [];
const seen: number[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(Date.now());
    const step = script.shift() ?? { status: 500 };
    const answer = (): void => {
      res.writeHead(step.status, { 'content-type': 'text/plain' });
      res.end(step.body ?? '');
    };
    if (step.delayMs === undefined) answer();
    else {
      const t = setTimeout(answer, step.delayMs);
      req.on('close', () => clearTimeout(t));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function options(more: Partial<FetchOptions> = {}): FetchOptions {
  return { timeoutMs: 2000, retries: 2, backoffMs: 10, maxBytes: 1 << 20, ...more };
}

function play(steps: Step[]): void {
  script = [...steps];
  seen.length = 0;
}

test('5xx, 408 and 429 are retried until an answer comes', async () => {
  play([{ status: 503 }, { status: 429 }, { status: 200, body: '10.0.0.0/8\n' }]);
  const result = await fetchSource(`${base}/list`, options());
  assert.deepEqual(result, { status: 'ok', text: '10.0.0.0/8\n' });
  assert.equal(seen.length, 3);
  play([{ status: 408 }, { status: 200, body: 'x' }]);
  assert.equal((await fetchSource(`${base}/list`, options({ retries: 1 }))).status, 'ok');
  assert.equal(seen.length, 2);
});

test('retries + 1 attempts, then ERR_SOURCE_FETCH naming the last failure and the count', async () => {
  play([{ status: 500 }, { status: 502 }, { status: 503 }, { status: 200 }]);
  await assert.rejects(fetchSource(`${base}/list`, options()), (e: { code?: string; message?: string }) => {
    assert.equal(e.code, 'ERR_SOURCE_FETCH');
    assert.match(e.message ?? '', /HTTP 503 .*\(3 attempts\)$/);
    return true;
  });
  assert.equal(seen.length, 3);
  play([{ status: 500 }]);
  await assert.rejects(fetchSource(`${base}/list`, options({ retries: 0 })), /HTTP 500 .*\(1 attempt\)$/);
  assert.equal(seen.length, 1);
});

test('other 4xx answers are not retried', async () => {
  play([{ status: 404 }, { status: 200 }]);
  await assert.rejects(fetchSource(`${base}/list`, options()), (e: { code?: string; message?: string }) => e.code === 'ERR_SOURCE_FETCH' && /HTTP 404/.test(e.message ?? ''));
  assert.equal(seen.length, 1);
});

test('the backoff doubles: retry n waits backoffMs * 2^(n-1)', async () => {
  play([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 200, body: 'ok' }]);
  await fetchSource(`${base}/list`, options({ retries: 3, backoffMs: 100 }));
  assert.equal(seen.length, 4);
  const gaps = seen.slice(1).map((t, i) => t - (seen[i] ?? 0));
  gaps.forEach((gap, i) => assert.ok(gap >= 100 * 2 ** i - 5, `wait before retry ${i + 1}: ${gap} ms >= ${100 * 2 ** i} ms`));
});

test('each attempt has its own timeout; a slow answer is retried like a failure', async () => {
  play([{ status: 200, body: 'late', delayMs: 1500 }, { status: 200, body: 'on time' }]);
  const result = await fetchSource(`${base}/list`, options({ timeoutMs: 300, retries: 1 }));
  assert.deepEqual(result, { status: 'ok', text: 'on time' });
  play([{ status: 200, delayMs: 1500 }, { status: 200, delayMs: 1500 }]);
  await assert.rejects(fetchSource(`${base}/list`, options({ timeoutMs: 300, retries: 1 })), /no complete answer within 300 ms \(2 attempts\)/);
});

test('a stop during a backoff ends the download at once', async () => {
  play([{ status: 500 }, { status: 200 }]);
  const stop = new AbortController();
  const started = Date.now();
  const pending = fetchSource(`${base}/list`, options({ backoffMs: 60_000, signal: stop.signal }));
  setTimeout(() => stop.abort(), 200);
  await assert.rejects(pending, (e: { code?: string }) => e.code === 'ERR_SOURCE_FETCH');
  assert.ok(Date.now() - started < 5000, 'not after the 60 s backoff');
  assert.equal(seen.length, 1);
});
