/**
 * The audit log under attack and under rotation: a file that could not be rotated (after `mv audit.log
 * audit.log.1; kill -HUP` lines kept going to audit.log.1), and a flood of refused connections writing one
 * line each until the disk is full.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminRequest, curlFrom, metricValue } from '../helpers/clients.js';
import { runIpgate } from '../helpers/ipgate.js';
import { gatewayFixture } from '../helpers/setup.js';
import { tempDir } from '../helpers/tmp.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface AuditLine {
  readonly time: string;
  readonly type: string;
  readonly listener: string;
  readonly source: string;
  readonly decision: string;
  readonly reason: string;
  readonly suppressed?: number;
}

async function auditLines(file: string): Promise<AuditLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

/** One TCP connection from `source`: waits for the gateway's reset, or (`closeOnConnect`) closes it itself once connected. */
function touch(port: number, source: string, closeOnConnect: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: source });
    const done = (): void => {
      socket.destroy();
      resolve();
    };
    if (closeOnConnect) socket.on('connect', done);
    socket.on('error', done);
    socket.on('close', done);
    socket.setTimeout(3000, done);
  });
}

/** `count` connections from `source`, `parallel` at a time. */
async function connections(port: number, source: string, count: number, parallel: number, closeOnConnect = false): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        await touch(port, source, closeOnConnect);
      }
    }),
  );
}

test('SIGHUP reopens the audit log: after mv audit.log audit.log.1, new lines go to a new audit.log', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    auditLog: 'audit.log',
  }));
  t.after(() => fx.close());
  const log = join(fx.dir, 'audit.log');
  const rotated = join(fx.dir, 'audit.log.1');
  assert.notEqual((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  await waitFor(async () => (await auditLines(log)).some((l) => l.source === '127.0.0.3'), 3000, 'first line');

  await rename(log, rotated);
  fx.ipgate.child.kill('SIGHUP');
  await waitFor(() => fx.ipgate.logs().some((l) => l['event'] === 'reload'), 3000, 'reload');
  await sleep(100);
  assert.notEqual((await curlFrom('127.0.0.4', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  await waitFor(async () => (await auditLines(log)).some((l) => l.source === '127.0.0.2'), 3000, 'lines in the new audit.log');

  const fresh = await auditLines(log);
  const old = await auditLines(rotated);
  assert.deepEqual(fresh.map((l) => [l.source, l.decision]), [['127.0.0.4', 'refused'], ['127.0.0.2', 'allowed']]);
  assert.deepEqual(old.map((l) => [l.source, l.decision]), [['127.0.0.3', 'refused']], 'nothing new in the rotated file');
  assert.ok(fx.ipgate.logs().some((l) => l['event'] === 'audit-log-reopened'));
});

test('an audit log that cannot be reopened at SIGHUP is reported, and lines keep going to the file opened before', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    auditLog: 'audit.log',
  }));
  t.after(() => fx.close());
  const log = join(fx.dir, 'audit.log');
  const rotated = join(fx.dir, 'audit.log.1');
  await rename(log, rotated);
  await mkdir(log); // the name cannot be opened as a file now
  fx.ipgate.child.kill('SIGHUP');
  const error = await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'audit-log-error'), 3000, 'audit-log-error');
  assert.equal(error['code'], 'ERR_AUDIT_LOG');
  assert.equal(error['file'], log);
  assert.notEqual((await curlFrom('127.0.0.3', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  await waitFor(async () => (await auditLines(rotated)).some((l) => l.source === '127.0.0.3'), 3000, 'the line in the file opened before');
  assert.equal(fx.ipgate.child.exitCode, null, 'still running');
});

test('an audit log file that cannot be opened at start is ERR_AUDIT_LOG naming it, with no stack trace', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  await writeFile(join(dir, 'allow.txt'), '127.0.0.2/32\n');
  const run = await runIpgate(['serve', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--ranges', 'allow.txt', '--audit-log', join(dir, 'no-such-dir', 'audit.log')], dir);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /ERR_AUDIT_LOG/);
  assert.ok(run.stderr.includes(join(dir, 'no-such-dir', 'audit.log')), run.stderr);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('a flood of 500 refused connections from one source writes at most 10 lines a second plus one summary', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
    auditLog: 'audit.log',
  }));
  t.after(() => fx.close());
  const log = join(fx.dir, 'audit.log');
  const started = Date.now();
  await connections(fx.port(), '127.0.0.3', 500, 50);
  const seconds = (Date.now() - started) / 1000;
  // Allowed connections are never suppressed, however many.
  await connections(fx.port(), '127.0.0.2', 40, 20, true);

  const metrics = async (): Promise<string> => (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
  assert.equal(metricValue(await metrics(), 'ipgate_connections_total', '{listener="public",decision="refused",reason="not-authorized"}'), 500, 'every refusal is counted');
  // Summaries are written when the one-second window closes.
  const lines = await waitFor(
    async () => {
      const all = await auditLines(log);
      const refused = all.filter((l) => l.source === '127.0.0.3');
      const total = refused.reduce((n, l) => n + (l.suppressed ?? 1), 0);
      const allowed = all.filter((l) => l.source === '127.0.0.2' && l.decision === 'allowed').length;
      return total === 500 && allowed === 40 ? all : undefined;
    },
    5000,
    'every refusal accounted for (lines + suppressed counts = 500) and all 40 allowed lines',
  );
  const refused = lines.filter((l) => l.source === '127.0.0.3');
  const plain = refused.filter((l) => l.suppressed === undefined);
  const summaries = refused.filter((l) => l.suppressed !== undefined);
  const windows = Math.ceil(seconds) + 1;
  assert.ok(plain.length <= 10 * windows, `${plain.length} refusal lines in a ${seconds.toFixed(1)} s flood`);
  assert.ok(summaries.length >= 1 && summaries.length <= windows, `${summaries.length} summary lines`);
  for (const s of summaries) {
    assert.deepEqual([s.type, s.listener, s.decision, s.reason], ['audit', 'public', 'refused', 'not-authorized']);
    assert.ok(Number.isInteger(s.suppressed) && (s.suppressed ?? 0) > 0);
    assert.match(s.time, /^\d{4}-\d\d-\d\dT/);
  }
  assert.equal(plain.length + summaries.reduce((n, s) => n + (s.suppressed ?? 0), 0), 500);
  assert.ok(refused.length <= 11 * windows, `${refused.length} lines for 500 refusals`);
  assert.equal(lines.filter((l) => l.source === '127.0.0.2' && l.decision === 'allowed').length, 40, 'allowed lines are all written');

  // The next second starts afresh: a source that calmed down is logged again.
  await sleep(1100);
  await connections(fx.port(), '127.0.0.3', 3, 1);
  await waitFor(async () => (await auditLines(log)).filter((l) => l.source === '127.0.0.3' && l.suppressed === undefined).length === plain.length + 3, 3000, 'new lines after the window');
});
