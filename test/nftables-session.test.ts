/**
 * The long-lived `nft -j -i` session that small changes and their read back go through, against the real
 * nft in a network namespace of the test's own (nft is reached through a wrapper that runs it there): a
 * batch is one transaction, committed or refused with nft's own words and nothing changed; answers stay
 * framed across many requests; a missing set lists as absent; a batch as large as the biggest delta goes
 * through; a killed session is replaced; an nft that cannot run a session falls back to one run per
 * operation.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IpgateError } from '../src/errors.js';
import { NftCli } from '../src/nftables/nft.js';
import { NftSession } from '../src/nftables/nft-session.js';
import { parseListing } from '../src/nftables/readback.js';
import { createTable, replaceSets } from '../src/nftables/ruleset.js';
import { emptyContents, DELTA_LIMIT } from '../src/nftables/update-plan.js';
import { v4ToIntervals } from '../src/cidr/intervals-v4.js';
import { Netns } from './helpers/netns.js';

let ns: Netns;
let dir: string;
let wrapper: string;

before(async () => {
  ns = await Netns.create('sess');
  dir = mkdtempSync(join(tmpdir(), 'ipgate-nftsess-'));
  wrapper = join(dir, 'nft');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns.name} nft "$@"\n`);
  chmodSync(wrapper, 0o755);
  const nft = new NftCli(wrapper);
  await nft.apply(createTable({ listeners: [], hooks: ['input'], refuse: 'reset' }, emptyContents({ 4: Uint32Array.of(0x0a000000, 0x0affffff), 6: [] })));
  nft.close();
});

after(async () => {
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function listed(name: string): Promise<string> {
  const json = (await ns.must('nft', ['-j', 'list', 'set', 'inet', 'ipgate', name])).stdout;
  const set = parseListing(json).sets.get(name);
  assert.ok(set !== undefined && set.intervals instanceof Uint32Array);
  return JSON.stringify(v4ToIntervals(set.intervals).map((i) => [Number(i.first), Number(i.last)]));
}

test('a batch through the session is one transaction: committed, or refused with nft\'s words and nothing changed', async () => {
  const nft = new NftCli(wrapper);
  try {
    await nft.applyQuick(replaceSets([{ role: 'added', family: 4, intervals: Uint32Array.of(0x7f000009, 0x7f000009) }]));
    assert.equal(await listed('added_v4'), JSON.stringify([[0x7f000009, 0x7f000009]]));
    // The second command refers to a set that does not exist: nft refuses the whole batch.
    const refused = replaceSets([
      { role: 'added', family: 4, intervals: Uint32Array.of(0x7f00000a, 0x7f00000a) },
      { role: 'removed', family: 4, intervals: Uint32Array.of(1, 1) },
    ]);
    const broken = [...refused, { flush: { set: { family: 'inet', table: 'ipgate', name: 'no_such_set' } } }];
    await assert.rejects(nft.applyQuick(broken), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_NFT_REFUSED' && /No such file or directory/.test(e.message));
    assert.equal(await listed('added_v4'), JSON.stringify([[0x7f000009, 0x7f000009]]), 'nothing of the refused batch was committed');
    assert.equal(await listed('removed_v4'), '[]');
    // Answers stay framed: many requests in a row, each read back.
    for (let i = 0; i < 20; i++) {
      await nft.applyQuick(replaceSets([{ role: 'removed', family: 4, intervals: Uint32Array.of(i, i) }]));
      const json = await nft.listSetQuick('removed_v4');
      assert.ok(json !== undefined);
      assert.deepEqual(parseListing(json).sets.get('removed_v4')?.intervals, Uint32Array.of(i, i));
    }
    assert.equal(await nft.listSetQuick('no_such_set'), undefined);
  } finally {
    nft.close();
  }
});

test('a batch as large as the largest delta goes through the session', async () => {
  const nft = new NftCli(wrapper);
  try {
    const big = new Uint32Array(DELTA_LIMIT * 2);
    for (let i = 0; i < DELTA_LIMIT; i++) {
      big[2 * i] = 0x0b000000 + i * 4;
      big[2 * i + 1] = 0x0b000000 + i * 4 + 1;
    }
    await nft.applyQuick(replaceSets([{ role: 'added', family: 4, intervals: big }]));
    const json = await nft.listSetQuick('added_v4');
    assert.ok(json !== undefined);
    assert.deepEqual(parseListing(json).sets.get('added_v4')?.intervals, big);
  } finally {
    nft.close();
  }
});

test('the session itself: framed answers, a killed process replaced, an nft without a session refused', async () => {
  const session = new NftSession(wrapper);
  try {
    assert.equal(await session.request([]), '');
    const out = await session.request([JSON.stringify({ nftables: [{ list: { set: { family: 'inet', table: 'ipgate', name: 'allow_v4' } } }] })]);
    assert.match(out, /^\{"nftables".*"allow_v4".*\n$/);
    // Kill the nft behind the session: the next request starts another.
    const pid = session.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const again = await session.request([]).catch(async () => session.request([]));
    assert.equal(again, '');
  } finally {
    session.close();
  }
  // A program that is not nft: the session is refused, and NftCli runs nft once per operation instead.
  const fake = join(dir, 'fake-nft');
  writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do [ "$a" = -i ] && { echo '{"not": "nft"}'; exit 0; }; done\nexec ip netns exec ${ns.name} nft "$@"\n`);
  chmodSync(fake, 0o755);
  await assert.rejects(new NftSession(fake).request([]), /describe ip saddr/);
  const nft = new NftCli(fake);
  try {
    await nft.applyQuick(replaceSets([{ role: 'added', family: 4, intervals: Uint32Array.of(0x7f00000b, 0x7f00000b) }]));
    assert.equal(await listed('added_v4'), JSON.stringify([[0x7f00000b, 0x7f00000b]]));
    assert.ok((await nft.listSetQuick('added_v4'))?.includes('127.0.0.11'));
  } finally {
    nft.close();
  }
});
