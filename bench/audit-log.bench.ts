/**
 * Audit log lines/s: ipgate's hand-built audit writer (src/runtime/audit-log.ts: a template string per
 * connection, buffered, one write per batch) against pino writing the same lines (same fields, ISO time, no
 * pid/hostname, its asynchronous destination) to a file, in alternating rounds. Prints each round,
 * the medians and the ratio hand-built/pino (above 1: the hand-built writer is faster). Every line is an
 * `allowed` decision, which the audit log never rate-limits, so both write every line.
 *
 *   node dist/bench/audit-log.bench.js
 *   BENCH_LINES=500000 BENCH_ROUNDS=7 node dist/bench/audit-log.bench.js
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openAuditLog } from '../src/runtime/audit-log.js';

const LINES = Number(process.env['BENCH_LINES'] ?? '200000');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '5');
const dir = mkdtempSync(join(tmpdir(), 'ipgate-audit-bench-'));

/** The decisions written: a few listeners, many sources, as a busy gateway sees them. */
const SOURCES = Array.from({ length: 1024 }, (_, i) => `203.0.${i >> 8}.${i & 255}`);
const LISTENERS = ['public', 'internal'];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2;
}

async function handBuilt(file: string): Promise<number> {
  const audit = openAuditLog(file);
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) {
    audit.record(LISTENERS[i & 1] ?? 'public', SOURCES[i & 1023] ?? '', 'allowed', 'authorized', '203.0.0.0/16');
    // Yield now and then, as connections arrive over time: the buffer is flushed by its timer or its size.
    if ((i & 4095) === 4095) await new Promise((r) => setImmediate(r));
  }
  await audit.close();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function withPino(file: string): Promise<number> {
  // pino's asynchronous destination as its docs recommend it (a larger minLength made sonic-boom far slower here).
  const destination = pino.destination({ dest: file, sync: false });
  await once(destination, 'ready');
  const logger = pino(
    { base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: () => ({ type: 'audit' }) } },
    destination,
  );
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) {
    logger.info({ listener: LISTENERS[i & 1] ?? 'public', source: SOURCES[i & 1023] ?? '', decision: 'allowed', reason: 'authorized', matched: '203.0.0.0/16' });
    if ((i & 4095) === 4095) await new Promise((r) => setImmediate(r));
  }
  destination.end();
  await once(destination, 'close');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Both files hold the same lines (fields and values, time aside). */
function sameLines(a: string, b: string): void {
  const first = (file: string): Record<string, unknown> => {
    const text = readFileSync(file, 'utf8');
    const line = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
    delete line['time'];
    return line;
  };
  const [x, y] = [first(a), first(b)];
  if (JSON.stringify(Object.entries(x).sort()) !== JSON.stringify(Object.entries(y).sort())) {
    throw new Error(`the writers differ: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  }
  const count = (file: string): number => readFileSync(file, 'utf8').split('\n').length - 1;
  if (count(a) !== LINES || count(b) !== LINES) throw new Error(`expected ${LINES} lines, got ${count(a)} and ${count(b)}`);
}

async function main(): Promise<void> {
  console.log(`audit log, ${LINES.toLocaleString('en-US')} allowed lines per run to a file, ${ROUNDS} rounds (order alternates)`);
  const rates = { hand: [] as number[], pino: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const a = join(dir, `hand-${round}.log`);
    const b = join(dir, `pino-${round}.log`);
    let hand: number;
    let pinoSeconds: number;
    if (round % 2 === 0) {
      hand = await handBuilt(a);
      pinoSeconds = await withPino(b);
    } else {
      pinoSeconds = await withPino(b);
      hand = await handBuilt(a);
    }
    if (round === 0) sameLines(a, b);
    const [h, p] = [LINES / hand, LINES / pinoSeconds];
    rates.hand.push(h);
    rates.pino.push(p);
    console.log(`round ${round + 1}: hand-built ${Math.round(h).toLocaleString('en-US')} lines/s (${statSync(a).size} B), pino ${Math.round(p).toLocaleString('en-US')} lines/s (${statSync(b).size} B), ratio hand-built/pino ${(h / p).toFixed(2)}x`);
    rmSync(a);
    rmSync(b);
  }
  const [h, p] = [median(rates.hand), median(rates.pino)];
  console.log(`median: hand-built ${Math.round(h).toLocaleString('en-US')} lines/s, pino ${Math.round(p).toLocaleString('en-US')} lines/s, ratio hand-built/pino ${(h / p).toFixed(2)}x`);
  rmSync(dir, { recursive: true, force: true });
}

await main();
