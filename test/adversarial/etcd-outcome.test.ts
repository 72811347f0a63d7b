/**
 * A write whose answer is lost: etcd is stopped (SIGSTOP) just after a compare-and-swap is sent and resumed
 * later. Whatever the store answers must be true of etcd afterwards: success means the value is there, a
 * refusal that says "nothing was changed" means it is not, and when it cannot know it says so
 * (ERR_STORE_OUTCOME_UNKNOWN).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IpgateError } from '../../src/errors.js';
import { encodeJson } from '../../src/store/codec.js';
import { EtcdStore } from '../../src/store/etcd-store.js';
import { adminRequest, readyz } from '../helpers/clients.js';
import { startEtcd, startFleet, type RunningEtcd } from '../helpers/etcd.js';
import { sleep, waitFor } from '../helpers/wait.js';

const KEY = '/outcome/profiles/default';
let etcd: RunningEtcd;
let store: EtcdStore;

before(async () => {
  etcd = await startEtcd();
  store = await EtcdStore.open({
    endpoints: [etcd.endpoint],
    prefix: '/outcome/',
    profile: 'default',
    seed: { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [] },
    timeoutMs: 400,
    outcomeTimeoutMs: 3000,
    probeIntervalMs: 100,
  });
});
after(async () => {
  etcd?.resume();
  await store?.close();
  await etcd?.close();
});

async function stored(): Promise<string | null> {
  return etcd.client().get(KEY).string();
}

async function storeUp(): Promise<void> {
  await waitFor(() => store.health().up, 8000, 'the store to see etcd again');
}

test('etcd stopped right after a write, resumed within the time budget: every answer is true of etcd', async () => {
  const tally = { committed: 0, refused: 0, unknown: 0 };
  for (let i = 0; i < 16; i++) {
    await storeUp();
    const profile = { authorizedIpRanges: [`198.18.${i}.0/24`], egressIpRanges: [] };
    const write = store.compareAndSwap(store.get().revision, profile).then(
      () => 'ok' as const,
      (e: unknown) => e,
    );
    // Stop etcd a few milliseconds in (before, during or after it handles the transaction).
    await sleep(i % 8);
    etcd.pause();
    await sleep(700);
    etcd.resume();
    const outcome = await write;
    const value = await stored();
    if (outcome === 'ok') {
      assert.equal(value, encodeJson(profile), `try ${i}: answered success, so etcd holds the value`);
      tally.committed++;
    } else {
      assert.ok(outcome instanceof IpgateError, String(outcome));
      if (outcome.code === 'ERR_STORE_OUTCOME_UNKNOWN') {
        assert.match(outcome.message, /may or may not be in force/);
        tally.unknown++;
      } else {
        // Any other refusal claims nothing changed: it must be true.
        assert.notEqual(value, encodeJson(profile), `try ${i}: answered ${outcome.code} ("${outcome.message}") although etcd holds the value`);
        tally.refused++;
      }
    }
  }
  process.stdout.write(`# outcome after a lost answer: ${JSON.stringify(tally)}\n`);
  assert.ok(tally.committed >= 8, `most writes are settled as committed once etcd answers (${JSON.stringify(tally)})`);
});

test('etcd stopped for longer than the time budget: the answer is "outcome unknown", never "nothing changed"', async () => {
  await storeUp();
  const before = await stored();
  const profile = { authorizedIpRanges: ['198.19.0.0/24'], egressIpRanges: [] };
  const write = store.compareAndSwap(store.get().revision, profile).then(
    () => 'ok' as const,
    (e: unknown) => e,
  );
  // Stopped before etcd can answer (the transaction is sent to a stopped etcd, or is in flight).
  etcd.pause();
  const outcome = await write;
  etcd.resume();
  assert.ok(outcome instanceof IpgateError, `no success while etcd is stopped (${String(outcome)})`);
  assert.equal(outcome.code, 'ERR_STORE_OUTCOME_UNKNOWN', outcome.message);
  assert.match(outcome.suggestion ?? '', /ETag/);
  await storeUp();
  // Whether it applied is for the caller to read; either way the store enforces what etcd holds.
  const after = await stored();
  assert.ok(after === before || after === encodeJson(profile));
  await waitFor(() => encodeJson(store.get().profile) === after, 3000, 'the store to enforce what etcd holds');
});

test('a write refused before anything is sent says nothing was changed, and it is true', async () => {
  await storeUp();
  const before = await stored();
  etcd.pause();
  try {
    await waitFor(() => !store.health().up, 5000, 'the probe to notice');
    await assert.rejects(store.compareAndSwap(store.get().revision, { authorizedIpRanges: ['198.19.1.0/24'], egressIpRanges: [] }), (e: unknown) => {
      assert.ok(e instanceof IpgateError);
      assert.equal(e.code, 'ERR_STORE_UNAVAILABLE');
      assert.match(e.message, /nothing was changed/);
      return true;
    });
  } finally {
    etcd.resume();
  }
  await storeUp();
  assert.equal(await stored(), before);
});

test('through the admin API: a PATCH during an etcd stall answers 200 only when the entry is stored, never "nothing was changed" when it is', async (t) => {
  const fleet = await startFleet({ count: 1, etcd: () => ({ endpoints: [etcd.endpoint], prefix: '/outcome-api/' }), profile: { authorizedIpRanges: ['127.0.0.1/32'] } });
  t.after(() => fleet.close());
  const url = fleet.instances[0]?.adminUrl() ?? '';
  const answers: string[] = [];
  for (let i = 0; i < 4; i++) {
    await waitFor(async () => (await readyz(url)).status === 'ready', 8000, 'ready');
    const entry = `198.18.${100 + i}.0/24`;
    const request = adminRequest(url, 'PATCH', '/v1/profile', { token: fleet.token, body: { add: [entry] } });
    await sleep(2 + 4 * i);
    etcd.pause();
    await sleep(i % 2 === 0 ? 2500 : 8000);
    etcd.resume();
    const answer = await request;
    const held = ((await etcd.client().get('/outcome-api/profiles/default').string()) ?? '').includes(entry);
    const code = (answer.json as { code?: string } | undefined)?.code;
    answers.push(`${answer.status}${code === undefined ? '' : ` ${code}`}`);
    if (answer.status === 200) assert.ok(held, `try ${i}: 200 but etcd lacks ${entry}`);
    else {
      assert.equal(answer.status, 503, answer.text);
      if (code !== 'ERR_STORE_OUTCOME_UNKNOWN') assert.ok(!held, `try ${i}: ${answer.text} although etcd holds ${entry}`);
      if (/nothing was changed/.test(answer.text)) assert.ok(!held, 'said nothing was changed');
    }
  }
  process.stdout.write(`# admin API answers during stalls: ${answers.join(', ')}\n`);
});
