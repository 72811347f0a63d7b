/**
 * Times one admin update to enforcement, run inside the benchmark's namespace:
 *   node dist/bench/nftables/update-probe.js ADMIN_URL TOKEN METHOD PATH BODY_FILE SOURCE PORT allowed|refused
 * Sends the request and, from the same moment, probes PORT from SOURCE until the outcome is the expected
 * one. Prints one JSON line: { enforcedMs, answeredMs, status }.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';

const [adminUrl = '', token = '', method = 'PATCH', path = '/', bodyFile = '', source = '127.0.0.9', port = '0', expect = 'allowed'] = process.argv.slice(2);

/** One connection attempt: true when the handshake completes (the kernel let the SYN through). */
function attempt(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: Number(port), localAddress: source });
    const done = (v: boolean): void => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

const body = readFileSync(bodyFile);
const started = performance.now();
const answered = new Promise<{ status: number; ms: number }>((resolve, reject) => {
  const req = request(new URL(path, adminUrl), { method, agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
    res.resume();
    res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
  });
  req.on('error', reject);
  req.end(body);
});
let enforcedMs = -1;
while (performance.now() - started < 30_000) {
  if ((await attempt()) === (expect === 'allowed')) {
    enforcedMs = performance.now() - started;
    break;
  }
}
const answer = await answered;
process.stdout.write(`${JSON.stringify({ enforcedMs, answeredMs: answer.ms, status: answer.status })}\n`);
