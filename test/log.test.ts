/**
 * The operational log: pino behind the project's Logger function, writing the line shape operators read
 * (`time` ISO, `level` as a word, `event`, the fields), and `ipgate serve --log-level` / IPGATE_LOG_LEVEL.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { jsonLogger, type LogLevel } from '../src/runtime/log.js';
import { runIpgate, startIpgateArgs, type RunningIpgate } from './helpers/ipgate.js';
import { freePort } from './helpers/ports.js';
import { tempDir } from './helpers/tmp.js';

function capture(level?: LogLevel): { log: ReturnType<typeof jsonLogger>; lines: string[] } {
  const lines: string[] = [];
  const log = jsonLogger({ ...(level === undefined ? {} : { level }), destination: { write: (s: string) => lines.push(s) } });
  return { log, lines };
}

test('a log line is one JSON object: time (ISO), level (the word), event, then the fields', () => {
  const { log, lines } = capture();
  log('warn', 'token-file-mode', { file: '/etc/ipgate/admin.token', mode: '0644', count: 2, ok: true, gone: undefined, list: ['a', 'b'] });
  assert.equal(lines.length, 1);
  const line = lines[0] ?? '';
  assert.ok(line.endsWith('}\n') && !line.slice(0, -1).includes('\n'), 'one line');
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).sort(), ['count', 'event', 'file', 'level', 'list', 'mode', 'ok', 'time']);
  assert.equal(parsed['level'], 'warn');
  assert.equal(parsed['event'], 'token-file-mode');
  assert.match(String(parsed['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(String(parsed['time'])) - Date.now()) < 5000);
  assert.deepEqual(parsed['list'], ['a', 'b']);
});

test('levels: info by default; a level drops the lines below it', () => {
  const all = (level?: LogLevel): string[] => {
    const { log, lines } = capture(level);
    for (const l of ['debug', 'info', 'warn', 'error'] as const) log(l, `e-${l}`);
    return lines.map((x) => (JSON.parse(x) as { level: string }).level);
  };
  assert.deepEqual(all(), ['info', 'warn', 'error']);
  assert.deepEqual(all('debug'), ['debug', 'info', 'warn', 'error']);
  assert.deepEqual(all('warn'), ['warn', 'error']);
  assert.deepEqual(all('error'), ['error']);
});

async function disabledConfig(dir: string): Promise<string> {
  const file = join(dir, 'ipgate.yaml');
  await writeFile(file, stringify({
    upstream: '127.0.0.1:9',
    listeners: [{ name: 'public', address: `127.0.0.1:${await freePort()}` }],
    auditLog: 'off',
    // Disabled on purpose: start-up logs a warning (profile-disabled) beside the info lines.
    profile: { authorizedIpRanges: [], egressIpRanges: [] },
  }));
  return file;
}

/** Stops the gateway and waits until everything it wrote to standard error has been read. */
async function stopped(run: RunningIpgate): Promise<RunningIpgate> {
  const stderr = run.child.stderr;
  const closed = stderr === null || stderr.closed ? Promise.resolve() : once(stderr, 'close');
  await run.stop();
  await closed;
  return run;
}

function events(lines: readonly Record<string, unknown>[]): string[] {
  return lines.map((l) => `${String(l['level'])}:${String(l['event'])}`);
}

test('serve: --log-level and IPGATE_LOG_LEVEL choose the lines written; the flag wins; IPGATE_CONFIG names the config', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const config = await disabledConfig(dir);

  const plain = await stopped(await startIpgateArgs(['--config', config]));
  assert.ok(events(plain.logs()).includes('info:ready'), plain.stderr());
  assert.ok(events(plain.logs()).includes('warn:profile-disabled'));

  const warn = await stopped(await startIpgateArgs(['--config', config, '--log-level', 'warn']));
  assert.ok(events(warn.logs()).includes('warn:profile-disabled'), warn.stderr());
  assert.ok(warn.logs().every((l) => l['level'] === 'warn' || l['level'] === 'error'), warn.stderr());

  // Only the environment: the config from IPGATE_CONFIG, the level from IPGATE_LOG_LEVEL.
  const env = await stopped(await startIpgateArgs([], { env: { IPGATE_CONFIG: config, IPGATE_LOG_LEVEL: 'error' } }));
  assert.deepEqual(env.logs(), [], env.stderr());
  assert.match(env.stdout(), /ipgate: ready/);

  // The flag wins over the environment.
  const both = await stopped(await startIpgateArgs(['--config', config, '--log-level', 'info'], { env: { IPGATE_LOG_LEVEL: 'error' } }));
  assert.ok(events(both.logs()).includes('info:ready'), both.stderr());
});

test('serve: a bad level is a usage error naming where it came from; nothing starts', async () => {
  const flag = await runIpgate(['serve', '--config', 'nope.yaml', '--log-level', 'verbose']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^ipgate: serve: --log-level must be one of debug, info, warn, error, not "verbose".*\(ERR_USAGE\)\n$/);
  const env = await runIpgate(['serve', '--config', 'nope.yaml'], undefined, { IPGATE_LOG_LEVEL: 'loud' });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /IPGATE_LOG_LEVEL must be one of debug, info, warn, error, not "loud"/);
  const none = await runIpgate(['serve'], undefined, { IPGATE_CONFIG: '' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give --config FILE \(or set IPGATE_CONFIG\)/);
});
