/**
 * The nftables data plane with `refuse: drop` and a slow `log` rule, for real in a namespace of the test's
 * own: a refused source gets nothing back (no reset), every attempt is counted by the kernel, and the log
 * rule's rate limit holds a burst of refusals down to a few NFLOG messages, so a flood cannot flood the
 * audit log through the kernel either.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { metricValue } from './helpers/clients.js';
import { ROOT } from './helpers/ipgate.js';
import { nftFixture, type NftFixture } from './helpers/nft-fixture.js';
import { sleep, waitFor } from './helpers/wait.js';

const PORT = 8443;
const PER_SECOND = 2;
const BURST = 40;
const SYN_BURST = join(ROOT, 'dist/test/helpers/syn-burst.js');
let fx: NftFixture;

before(async () => {
  fx = await nftFixture({
    ports: [PORT],
    config: {
      listeners: [{ name: 'public', address: `127.0.0.1:${PORT}` }],
      profile: { authorizedIpRanges: ['127.0.0.2/32'] },
      auditLog: 'audit.log',
      dataplane: { type: 'nftables', refuse: 'drop', log: { group: 6, perSecond: PER_SECOND } },
    },
  });
});
after(async () => {
  await fx?.close();
});

const refusalLines = async (): Promise<string[]> =>
  (await readFile(join(fx.dir, 'audit.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('"decision":"refused"'));
const metric = async (name: string, labels = ''): Promise<number> => metricValue(await fx.metrics(), name, labels) ?? Number.NaN;

test('refuse: drop sends nothing back; the rule set says drop and limits the log rule', async () => {
  const table = (await fx.ns.must('nft', ['list', 'table', 'inet', 'ipgate'])).stdout;
  assert.match(table, new RegExp(`limit rate ${PER_SECOND}/second .*log prefix "ipgate public" group 6`));
  assert.match(table, /^\s+drop$/m);
  assert.doesNotMatch(table, /reject/);
  assert.equal((await fx.curl('127.0.0.2', PORT)).code, 0, 'an allowed source gets through');
  const refused = await fx.ns.curl('127.0.0.3', '127.0.0.1', PORT, fx.cert, 1);
  assert.equal(refused.code, 28, `no reset, the attempt times out: ${refused.stderr}`);
});

test('a burst of refusals: each attempt counted, only what the rate limit lets through is logged', async (t) => {
  // The reader is up once a logged refusal reaches the audit log; the burst follows after the limit refilled.
  assert.notEqual((await fx.curl('127.0.0.4', PORT)).code, 0);
  await waitFor(async () => (await refusalLines()).some((l) => l.includes('"127.0.0.4"')), 5000, 'first logged refusal');
  await sleep(3000);
  const refusedBefore = await metric('ipgate_connections_total', '{listener="public",decision="refused"}');
  const loggedBefore = await metric('ipgate_nft_logged_refusals_total');
  const linesBefore = (await refusalLines()).length;

  const ran = await fx.ns.must(process.execPath, [SYN_BURST, '127.0.0.1', String(PORT), String(BURST), '500']);
  const outcomes = JSON.parse(ran.stdout) as string[];
  assert.deepEqual(new Set(outcomes), new Set(['timeout']), 'every attempt dropped');
  assert.equal(outcomes.length, BURST);

  await waitFor(async () => (await metric('ipgate_nft_logged_refusals_total')) > loggedBefore, 5000, 'the burst logged');
  await sleep(1500); // anything still on its way from the NFLOG group
  const logged = (await metric('ipgate_nft_logged_refusals_total')) - loggedBefore;
  const lines = (await refusalLines()).length - linesBefore;
  await sleep(600); // the counters are read at most every half second
  const refused = (await metric('ipgate_connections_total', '{listener="public",decision="refused"}')) - refusedBefore;
  t.diagnostic(`${BURST} attempts: ${refused} counted, ${logged} logged, ${lines} audit lines`);
  assert.equal(refused, BURST, 'the kernel counted every attempt');
  // nft's limit allows its burst (5 packets) at once, then PER_SECOND a second; the burst took well under a second.
  assert.ok(logged >= 1 && logged <= 5 + 2 * PER_SECOND, `logged ${logged} of ${BURST}`);
  assert.equal(lines, logged, 'one audit line per logged refusal (each from another source)');
});
