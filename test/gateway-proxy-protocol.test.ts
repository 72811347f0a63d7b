import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseProxyHeader, V2_SIGNATURE } from '../src/net/proxy-protocol.js';

function v2(command: number, family: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = family;
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, payload]);
}

function tcp4(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const p = Buffer.alloc(12);
  Buffer.from(src).copy(p, 0);
  Buffer.from(dst).copy(p, 4);
  p.writeUInt16BE(sport, 8);
  p.writeUInt16BE(dport, 10);
  return p;
}

test('v1 TCP4 and TCP6 headers give the carried source; the rest is data', () => {
  const data = Buffer.from('PROXY TCP4 192.0.2.7 10.0.0.1 51000 6443\r\n\x16\x03\x01');
  const r = parseProxyHeader(data);
  assert.equal(r.status, 'done');
  if (r.status !== 'done') return;
  assert.deepEqual(r.header.source, { address: '192.0.2.7', port: 51000 });
  assert.deepEqual(r.header.destination, { address: '10.0.0.1', port: 6443 });
  assert.deepEqual([...data.subarray(r.length)], [0x16, 0x03, 0x01]);
  const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n'));
  assert.equal(six.status === 'done' && six.header.source?.address, '2001:db8::1');
  const unknown = parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'));
  assert.equal(unknown.status === 'done' && unknown.header.command, 'local');
});

test('v1 malformed headers are invalid', () => {
  for (const bad of [
    'PROXY TCP4 192.0.2.7 10.0.0.1 51000\r\n',
    'PROXY TCP4 192.0.2.07 10.0.0.1 1 2\r\n',
    'PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n',
    'PROXY TCP6 192.0.2.1 10.0.0.1 1 2\r\n',
    'PROXY TCP4 192.0.2.7 10.0.0.1 65536 2\r\n',
    'PROXY TCP4 192.0.2.7 10.0.0.1 01 2\r\n',
    'PROXY TCP5 192.0.2.7 10.0.0.1 1 2\r\n',
    'PROXY TCP4 192.0.2.7 10.0.0.1 1 2\n',
    'GET / HTTP/1.1\r\n',
    `PROXY TCP4 ${'1'.repeat(120)}`,
  ]) {
    assert.equal(parseProxyHeader(Buffer.from(bad)).status, 'invalid', bad);
  }
});

test('every strict prefix of a valid header is incomplete, never invalid or done', () => {
  const headers = [
    Buffer.from('PROXY TCP4 192.0.2.7 10.0.0.1 51000 6443\r\n'),
    v2(1, 0x11, tcp4([192, 0, 2, 7], [10, 0, 0, 1], 51000, 6443)),
  ];
  for (const h of headers) {
    for (let n = 0; n < h.length; n++) assert.equal(parseProxyHeader(h.subarray(0, n)).status, 'incomplete', `prefix ${n}`);
    assert.equal(parseProxyHeader(h).status, 'done');
  }
});

test('v2 TCP4, TCP6 (mapped too), LOCAL and TLVs', () => {
  const r = parseProxyHeader(Buffer.concat([v2(1, 0x11, Buffer.concat([tcp4([203, 0, 113, 9], [10, 0, 0, 1], 443, 6443), Buffer.from([0x04, 0, 1, 0])])), Buffer.from('tls')]));
  assert.equal(r.status, 'done');
  if (r.status !== 'done') return;
  assert.equal(r.header.source?.address, '203.0.113.9');
  assert.equal(r.length, 16 + 16);
  const p6 = Buffer.alloc(36);
  p6[0] = 0x20;
  p6[1] = 0x01;
  p6[2] = 0x0d;
  p6[3] = 0xb8;
  p6[15] = 5;
  const six = parseProxyHeader(v2(1, 0x21, p6));
  assert.equal(six.status === 'done' && six.header.source?.address, '2001:db8::5');
  const local = parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)));
  assert.equal(local.status === 'done' && local.header.command, 'local');
});

test('v2 malformed: bad version, command, short payload, UDP, unknown family', () => {
  const good = v2(1, 0x11, tcp4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
  const badVersion = Buffer.from(good);
  badVersion[12] = 0x11;
  assert.equal(parseProxyHeader(badVersion).status, 'invalid');
  const badCommand = Buffer.from(good);
  badCommand[12] = 0x22;
  assert.equal(parseProxyHeader(badCommand).status, 'invalid');
  assert.equal(parseProxyHeader(v2(1, 0x11, Buffer.alloc(8))).status, 'invalid');
  assert.equal(parseProxyHeader(v2(1, 0x12, tcp4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2))).status, 'invalid');
  assert.equal(parseProxyHeader(v2(1, 0x31, Buffer.alloc(216))).status, 'invalid');
  const tooLong = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
  assert.equal(parseProxyHeader(tooLong).status, 'invalid');
});

test('random bytes never throw and never yield a source that is not an IP address', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, withSig) => {
      const buf = withSig ? Buffer.concat([V2_SIGNATURE, Buffer.from(bytes)]) : Buffer.concat([Buffer.from('PROXY '), Buffer.from(bytes)]);
      const r = parseProxyHeader(buf);
      if (r.status === 'done' && r.header.source !== undefined) assert.match(r.header.source.address, /^[0-9a-f.:]+$/);
    }),
    { numRuns: 2000 },
  );
});
