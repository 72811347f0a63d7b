/**
 * The admin API's rules as pure logic: per-route query parameters, the merge of writes (queue, retries of
 * lost compare-and-swap races), how store errors become statuses, which entries are references, and the
 * admin config keys for body limits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../src/admin/api-error.js';
import { checkQuery } from '../src/admin/query.js';
import { storeErrorResponse, storeErrorStatus } from '../src/admin/store-error.js';
import { WriteQueue } from '../src/admin/write-queue.js';
import { retryLostRaces } from '../src/admin/write-retry.js';
import { parseConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/config/problems.js';
import { IpgateError } from '../src/errors.js';
import { looksLikeAddress, parseReference } from '../src/sources/reference.js';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected an ApiError');
}

test('query parameters: unknown ones are 400 ERR_QUERY_UNKNOWN with the closest declared name; repeated ones ERR_QUERY', () => {
  checkQuery(new URLSearchParams('dryRun=true&force=1'), ['dryRun', 'force'], 'PATCH /v1/profile');
  checkQuery(new URLSearchParams(''), [], 'GET /v1/whoami');
  const e = apiError(() => checkQuery(new URLSearchParams('dry_run=1&zzz=2'), ['dryRun', 'force'], 'PATCH /v1/profile'));
  assert.equal(e.status, 400);
  assert.equal(e.code, 'ERR_QUERY_UNKNOWN');
  assert.deepEqual(e.errors.map((x) => [x.entry, x.suggestion]), [['dry_run', 'dryRun'], ['zzz', undefined]]);
  assert.match(e.message, /PATCH \/v1\/profile: unknown query parameter "dry_run"; did you mean "dryRun"\?; unknown query parameter "zzz" \(it takes: dryRun, force\); nothing was changed/);
  assert.match(apiError(() => checkQuery(new URLSearchParams('verbose'), [], 'GET /v1/whoami')).message, /it takes no query parameters/);
  assert.equal(apiError(() => checkQuery(new URLSearchParams('dryRun=1&dryRun=0'), ['dryRun'], 'PUT /v1/profile')).code, 'ERR_QUERY');
});

test('store errors: 412 for a lost race, 503 for unavailable and outcome-unknown, with the store\'s own message', () => {
  assert.equal(storeErrorStatus('ERR_PRECONDITION'), 412);
  assert.equal(storeErrorStatus('ERR_STORE_UNAVAILABLE'), 503);
  assert.equal(storeErrorStatus('ERR_STORE_OUTCOME_UNKNOWN'), 503);
  assert.equal(storeErrorStatus('ERR_PROFILE_INVALID'), 400);
  const message = 'The write to etcd timed out after it was sent; it may or may not have been applied: read the profile to see';
  const r = storeErrorResponse(new IpgateError('ERR_STORE_OUTCOME_UNKNOWN', message, { suggestion: 'GET /v1/profile' }));
  assert.equal(r.status, 503);
  assert.deepEqual(JSON.parse(r.body), { code: 'ERR_STORE_OUTCOME_UNKNOWN', message, suggestion: 'GET /v1/profile' });
  assert.doesNotMatch(r.body, /nothing was changed/);
});

test('write queue: tasks on one key run one at a time in order, a failure does not block the next, keys are independent', async () => {
  const queue = new WriteQueue();
  const log: string[] = [];
  let running = 0;
  const task = (name: string, fail = false) => async (): Promise<string> => {
    running++;
    assert.equal(running, 1, 'one at a time');
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${name}`);
    running--;
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([queue.run('a', task('1')), queue.run('a', task('2', true)), queue.run('a', task('3'))]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  let other = false;
  const slow = queue.run('x', () => new Promise<void>((r) => setTimeout(r, 50)));
  await queue.run('y', async () => {
    other = true;
  });
  assert.equal(other, true, 'another key does not wait');
  await slow;
});

test('lost races are retried (bounded, then 409 ERR_WRITE_CONFLICT); other errors are not', async () => {
  const stale = new IpgateError('ERR_PRECONDITION', 'stale');
  let calls = 0;
  const ok = await retryLostRaces(async () => {
    calls++;
    if (calls < 3) throw stale;
    return 'done';
  }, { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 });
  assert.equal(ok, 'done');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(
    retryLostRaces(async () => {
      calls++;
      throw stale;
    }, { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 }),
    (e: unknown) => e instanceof ApiError && e.status === 409 && e.code === 'ERR_WRITE_CONFLICT' && /4 attempts/.test(e.message),
  );
  assert.equal(calls, 4);
  calls = 0;
  const unavailable = new IpgateError('ERR_STORE_OUTCOME_UNKNOWN', 'maybe applied');
  await assert.rejects(
    retryLostRaces(async () => {
      calls++;
      throw unavailable;
    }),
    (e: unknown) => e === unavailable,
  );
  assert.equal(calls, 1, 'a write that may have been applied is never repeated');
});

test('entries spelt like addresses are never references; real references still are', () => {
  for (const entry of ['fe80::1%eth0', 'fe80::/10%eth0', 'fe80::1/64', 'dead:beef', 'fe80:1', '::ffff:1.2.3.4/120', '2001:db8::/32']) {
    assert.equal(parseReference(entry), undefined, entry);
  }
  assert.equal(looksLikeAddress('fe80::1%eth0'), true);
  assert.deepEqual(parseReference('azure:AzureCloud'), { kind: 'reference', source: 'azure', selector: 'AzureCloud' });
  assert.deepEqual(parseReference('aws:service=EC2'), { kind: 'reference', source: 'aws', selector: 'service=EC2' });
  assert.deepEqual(parseReference('cafe:'), { kind: 'reference', source: 'cafe', selector: '' });
  assert.deepEqual(parseReference('office:'), { kind: 'reference', source: 'office', selector: '' });
  assert.deepEqual(parseReference('AzureCloud.westeurope'), { kind: 'tag', selector: 'AzureCloud.westeurope' });
});

test('config: admin.maxBodyBytes and admin.bodyTimeoutMs are optional numbers within bounds', () => {
  const base = 'upstream: 10.0.0.4:443\nlisteners: [{ name: public, address: "127.0.0.1:0" }]\nprofile: { authorizedIpRanges: [10.0.0.0/8] }\n';
  const plain = parseConfigText(`${base}admin: { address: "127.0.0.1:0", tokenFile: t }\n`, 'ipgate.yaml', '/etc/ipgate');
  assert.deepEqual(plain.admin, { address: plain.admin?.address, tokenFile: '/etc/ipgate/t' });
  const set = parseConfigText(`${base}admin: { address: "127.0.0.1:0", tokenFile: t, maxBodyBytes: 65536, bodyTimeoutMs: 2500 }\n`, 'ipgate.yaml', '/etc/ipgate');
  assert.equal(set.admin?.maxBodyBytes, 65536);
  assert.equal(set.admin?.bodyTimeoutMs, 2500);
  const bad = (admin: string): ConfigError['problems'] => {
    try {
      parseConfigText(`${base}admin: ${admin}\n`, 'ipgate.yaml', '/etc');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    assert.fail('expected a ConfigError');
  };
  assert.deepEqual(bad('{ address: "127.0.0.1:0", tokenFile: t, maxBodyBytes: 0 }').map((p) => p.path), ['admin.maxBodyBytes']);
  assert.deepEqual(bad('{ address: "127.0.0.1:0", tokenFile: t, bodyTimeoutMs: "10s" }').map((p) => p.path), ['admin.bodyTimeoutMs']);
  const typo = bad('{ address: "127.0.0.1:0", tokenFile: t, maxBodyByte: 1024 }');
  assert.equal(typo[0]?.code, 'ERR_CONFIG_UNKNOWN_KEY');
  assert.equal(typo[0]?.suggestion, 'maxBodyBytes');
});
