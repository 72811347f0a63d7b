/** The splice itself: half-close both ways, upstream failures, and start-up errors. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminRequest, metricValue } from './helpers/clients.js';
import { freePort } from './helpers/haproxy.js';
import { runIpgate, startIpgate } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';

/** A plain TCP upstream that answers only after the client half-closes: "got N bytes". */
async function halfCloseUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let n = 0;
    socket.on('data', (d: Buffer) => (n += d.length));
    socket.on('end', () => socket.end(`got ${n} bytes`));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function exchange(port: number, source: string, payload: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: source, allowHalfOpen: true }, () => socket.end(payload));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('half-close passes through: the client ends its side and still gets the answer; upstream failures are counted', async (t) => {
  const { dir, remove } = await tempDir();
  const upstream = await halfCloseUpstream();
  const token = 'x'.repeat(32);
  await writeFile(join(dir, 'token'), token);
  const ipgate = await startIpgate(dir, {
    upstream: `127.0.0.1:${upstream.port}`,
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    admin: { address: '127.0.0.1:0', tokenFile: 'token' },
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    auditLog: 'off',
  });
  t.after(async () => {
    await ipgate.stop('SIGKILL');
    upstream.server.close();
    await remove();
  });
  const port = ipgate.ports.get('public') ?? 0;
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  assert.equal(await exchange(port, '127.0.0.2', big), `got ${big.length} bytes`);
  await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  const answer = await exchange(port, '127.0.0.2', Buffer.from('hello')).catch(() => '');
  assert.equal(answer, '', 'upstream down: the client is closed without an answer');
  const m = (await adminRequest(ipgate.adminUrl ?? '', 'GET', '/metrics')).text;
  assert.equal(metricValue(m, 'ipgate_upstream_errors_total', '{listener="public"}'), 1);
  assert.equal(metricValue(m, 'ipgate_active_connections', '{listener="public"}'), 0);
});

test('start-up errors: port in use, bad token file', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const busy = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => busy.listen({ host: '127.0.0.1', port }, resolve));
  t.after(() => busy.close());
  await writeFile(join(dir, 'allow.txt'), '127.0.0.2/32\n');
  const inUse = await runIpgate(['serve', '--listen', `127.0.0.1:${port}`, '--upstream', '127.0.0.1:9', '--ranges', 'allow.txt'], dir);
  assert.equal(inUse.code, 2);
  assert.match(inUse.stderr, /ERR_LISTEN/);
  await writeFile(join(dir, 'short.token'), 'abc\n');
  const badToken = await runIpgate(['serve', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--ranges', 'allow.txt', '--admin', '127.0.0.1:0', '--token-file', 'short.token'], dir);
  assert.equal(badToken.code, 2);
  assert.match(badToken.stderr, /ERR_TOKEN_FILE/);
  const noRanges = await runIpgate(['serve', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--ranges', 'missing.txt'], dir);
  assert.equal(noRanges.code, 2);
  assert.match(noRanges.stderr, /ERR_STORE_READ/);
});
