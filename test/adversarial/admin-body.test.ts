/**
 * Request bodies sent to hurt the admin API, against a real `ipgate serve`: floods of large unauthenticated
 * bodies (answered 401 from the headers, never read: memory stays flat), bodies over the limit (answered 413
 * whether announced by Content-Length or streamed chunked, never a bare reset), and bodies that trickle in
 * (408 after admin.bodyTimeoutMs; unauthenticated ones are not held at all).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminRequest } from '../helpers/clients.js';
import { answerJson, chunkedBody, plainBody, rawRequest, rssBytes, stalledBody, type RawAnswer } from '../helpers/raw-http.js';
import { gatewayFixture, type GatewayFixture } from '../helpers/setup.js';

const MIB = 1024 * 1024;
const PROFILE = { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: [] };
let fx: GatewayFixture;
/** A second gateway with small limits: 64 KiB bodies, 1 s to send one. */
let small: GatewayFixture;


function portOf(f: GatewayFixture): number {
  return Number(new URL(f.adminUrl).port);
}

function codeOf(answer: RawAnswer): string | undefined {
  return (answerJson(answer) as { code?: string } | undefined)?.code;
}

async function unchanged(f: GatewayFixture): Promise<void> {
  const r = await adminRequest(f.adminUrl, 'GET', '/v1/profile', { token: f.token });
  assert.deepEqual(r.json, PROFILE);
}

describe('default limits (32 MiB, 10 s)', () => {
  before(async () => {
    fx = await gatewayFixture(() => ({ listeners: [{ name: 'public', address: '127.0.0.1:0' }], store: { file: 'profile.json' }, profile: PROFILE }));
  });
  after(async () => {
    await fx?.close();
  });

  test('16 concurrent unauthenticated 32 MiB bodies: each is answered 401 or 413 without being read; memory stays flat', async (t) => {
    const pid = fx.ipgate.child.pid;
    assert.ok(pid !== undefined);
    await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token });
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 10);
    let answers: RawAnswer[];
    try {
      answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          rawRequest({
            port: portOf(fx),
            method: i % 2 === 0 ? 'PUT' : 'PATCH',
            path: '/v1/profile',
            headers: { 'content-type': 'application/json', 'content-length': String(32 * MIB), ...(i % 4 === 1 ? { authorization: 'Bearer wrong-token-0123456789' } : {}) },
            body: plainBody(32 * MIB),
            timeoutMs: 30_000,
          }),
        ),
      );
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssBytes(pid));
    const growth = peak - baseline;
    const sent = answers.reduce((n, a) => n + a.sent, 0);
    t.diagnostic(`RSS before ${(baseline / MIB).toFixed(1)} MiB, peak during the flood ${(peak / MIB).toFixed(1)} MiB (+${(growth / MIB).toFixed(1)} MiB); body bytes the clients got to write: ${(sent / MIB).toFixed(1)} MiB of ${16 * 32} MiB`);
    assert.ok(growth < 50 * 1000 * 1000, `RSS grew by ${(growth / MIB).toFixed(1)} MiB under the flood`);
    for (const a of answers) {
      assert.ok(a.status === 401 || a.status === 413, `status ${String(a.status)} (${a.error ?? 'no error'}): ${a.text.slice(0, 200)}`);
      assert.equal(codeOf(a), a.status === 401 ? 'ERR_UNAUTHORIZED' : 'ERR_BODY_TOO_LARGE', a.text);
      assert.match(a.text, /\r\nconnection: close\r\n/i);
    }
    await unchanged(fx);
  });

  test('slow unauthenticated bodies are not held: 50 of them are answered 401 at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        rawRequest({
          port: portOf(fx),
          method: 'PATCH',
          path: '/v1/profile',
          headers: { 'content-type': 'application/json', 'content-length': '1000' },
          body: stalledBody('{"add":'),
          timeoutMs: 3000,
        }),
      ),
    );
    for (const a of answers) {
      assert.equal(a.status, 401, `${String(a.status)} ${a.error ?? ''}`);
      assert.ok((a.answeredAfterMs ?? Infinity) < 2000, `answered after ${String(a.answeredAfterMs)} ms`);
    }
  });

  test('a body over the limit with a valid token: 413 ERR_BODY_TOO_LARGE answered (Content-Length), not a reset', async () => {
    const a = await rawRequest({
      port: portOf(fx),
      method: 'PUT',
      path: '/v1/profile',
      headers: { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json', 'content-length': String(32 * MIB + 1) },
      body: plainBody(32 * MIB + 1),
      timeoutMs: 30_000,
    });
    assert.equal(a.status, 413, `${a.error ?? ''} ${a.text.slice(0, 200)}`);
    assert.equal(codeOf(a), 'ERR_BODY_TOO_LARGE');
    assert.match(a.text, /\r\nconnection: close\r\n/i);
    await unchanged(fx);
  });

  test('a chunked body over the limit with a valid token: 413 ERR_BODY_TOO_LARGE answered, not a reset', async () => {
    const a = await rawRequest({
      port: portOf(fx),
      method: 'PUT',
      path: '/v1/profile',
      headers: { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: chunkedBody(33 * MIB),
      timeoutMs: 30_000,
    });
    assert.equal(a.status, 413, `${a.error ?? ''} ${a.text.slice(0, 200)}`);
    assert.equal(codeOf(a), 'ERR_BODY_TOO_LARGE');
    await unchanged(fx);
  });

});

describe('configured limits (admin.maxBodyBytes, admin.bodyTimeoutMs)', () => {
  before(async () => {
    small = await gatewayFixture(() => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', maxBodyBytes: 64 * 1024, bodyTimeoutMs: 1000 },
      store: { file: 'profile.json' },
      profile: PROFILE,
    }));
  });
  after(async () => {
    await small?.close();
  });

  test('admin.maxBodyBytes sets the limit: over it 413 (both ways), under it the body is read', async () => {
    const headers = { authorization: `Bearer ${small.token}`, 'content-type': 'application/json' };
    const announced = await rawRequest({ port: portOf(small), method: 'PATCH', path: '/v1/profile', headers: { ...headers, 'content-length': String(64 * 1024 + 1) }, body: plainBody(64 * 1024 + 1), timeoutMs: 5000 });
    assert.equal(announced.status, 413);
    assert.equal(codeOf(announced), 'ERR_BODY_TOO_LARGE');
    const streamed = await rawRequest({ port: portOf(small), method: 'PATCH', path: '/v1/profile', headers: { ...headers, 'transfer-encoding': 'chunked' }, body: chunkedBody(200 * 1024), timeoutMs: 5000 });
    assert.equal(streamed.status, 413);
    assert.equal(codeOf(streamed), 'ERR_BODY_TOO_LARGE');
    // 60 KiB of blanks is within the limit: read, then refused as JSON (not as too large).
    const within = await rawRequest({ port: portOf(small), method: 'PATCH', path: '/v1/profile', headers: { ...headers, 'content-length': String(60 * 1024), connection: 'close' }, body: plainBody(60 * 1024), timeoutMs: 5000 });
    assert.equal(within.status, 400);
    assert.equal(codeOf(within), 'ERR_BODY_JSON');
    await unchanged(small);
  });

  test('a body that arrives too slowly: 408 ERR_BODY_TIMEOUT after admin.bodyTimeoutMs, and the connection is closed', async () => {
    const a = await rawRequest({
      port: portOf(small),
      method: 'PATCH',
      path: '/v1/profile',
      headers: { authorization: `Bearer ${small.token}`, 'content-type': 'application/json', 'content-length': '1000' },
      body: stalledBody('{"add":["127.0.0.7"'),
      timeoutMs: 6000,
    });
    assert.equal(a.status, 408, `${String(a.status)} ${a.error ?? ''} ${a.text}`);
    assert.equal(codeOf(a), 'ERR_BODY_TIMEOUT');
    assert.ok((a.answeredAfterMs ?? 0) >= 900 && (a.answeredAfterMs ?? Infinity) < 4000, `answered after ${String(a.answeredAfterMs)} ms`);
    assert.match(a.text, /\r\nconnection: close\r\n/i);
    await unchanged(small);
  });
});
