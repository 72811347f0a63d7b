/**
 * `dataplane: { type: nftables }` in the config: what it accepts (no upstream needed, defaults), what it
 * refuses with the key path (PROXY protocol, port 0, HAProxy keys, a hook twice), and a missing nft binary
 * at start: ERR_NFT_UNAVAILABLE naming the binary and the fix, nothing started.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../src/config/problems.js';
import { validateConfig } from '../src/config/validate.js';
import { runIpgate, startIpgateArgs } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const BASE = { listeners: [{ name: 'public', address: '10.0.0.1:6443' }], profile: { authorizedIpRanges: ['203.0.113.0/24'] } };

function problems(document: Record<string, unknown>): { path: string; code: string; message: string }[] {
  try {
    validateConfig(document, 'test.yaml', '/tmp');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail('expected ConfigError');
}

test('nftables needs no upstream; defaults: input hook, reset, nft, 30 s read-back', () => {
  const config = validateConfig({ ...BASE, dataplane: { type: 'nftables' } }, 'test.yaml', '/tmp');
  assert.equal(config.upstream, undefined);
  assert.deepEqual(config.dataplane, { type: 'nftables', binary: 'nft', hooks: ['input'], refuse: 'reset', verifyIntervalMs: 30_000 });
  const full = validateConfig({ ...BASE, dataplane: { type: 'nftables', hooks: ['input', 'forward'], refuse: 'drop', log: { group: 7 } } }, 'test.yaml', '/tmp');
  assert.deepEqual(full.dataplane, { type: 'nftables', binary: 'nft', hooks: ['input', 'forward'], refuse: 'drop', verifyIntervalMs: 30_000, log: { group: 7, perSecond: 10 } });
});

test('without nftables the upstream is still required', () => {
  assert.deepEqual(problems({ ...BASE }).map((p) => [p.path, p.code]), [['upstream', 'ERR_CONFIG_MISSING_KEY']]);
  assert.deepEqual(problems({ ...BASE, dataplane: { type: 'haproxy', mode: 'managed', stateDir: '/tmp/x' } }).map((p) => p.path), ['upstream']);
});

test('what the kernel cannot do is refused with the key path', () => {
  const found = problems({
    listeners: [
      { name: 'a', address: '10.0.0.1:0' },
      { name: 'b', address: '10.0.0.1:6443', proxyProtocol: { trustedFrom: ['10.0.0.0/8'] } },
      { name: 'c', address: '10.0.0.1:6443' },
    ],
    profile: { authorizedIpRanges: [] },
    dataplane: { type: 'nftables', mode: 'managed', hooks: ['input', 'input'], log: { group: 70000 } },
  });
  const paths = found.map((p) => `${p.path} ${p.code}`);
  for (const expected of [
    'listeners[0].address ERR_CONFIG_VALUE',
    'listeners[1].proxyProtocol ERR_CONFIG_VALUE',
    'listeners[2].address ERR_CONFIG_DUPLICATE',
    'dataplane.mode ERR_CONFIG_VALUE',
    'dataplane.hooks ERR_CONFIG_DUPLICATE',
  ]) assert.ok(paths.includes(expected), `${expected} in ${paths.join(', ')}`);
  assert.ok(found.some((p) => p.path === 'dataplane.log.group'), paths.join(', '));
  assert.match(found.find((p) => p.path === 'listeners[1].proxyProtocol')?.message ?? '', /load balancer's address/);
  assert.deepEqual(problems({ ...BASE, upstream: '10.0.0.1:6444', dataplane: { type: 'haproxy', mode: 'managed', stateDir: '/x', refuse: 'drop' } }).map((p) => p.path), ['dataplane.refuse']);
});

test('a missing nft binary: ERR_NFT_UNAVAILABLE at start, naming it and the fix', async () => {
  const { dir, remove } = await tempDir();
  try {
    await writeFile(join(dir, 'ipgate.yaml'), JSON.stringify({ ...BASE, dataplane: { type: 'nftables', binary: '/nonexistent/nft' } }));
    await assert.rejects(startIpgateArgs(['--config', join(dir, 'ipgate.yaml')], { cwd: dir }), (error: unknown) => {
      assert.match(String(error), /Cannot use nft \("\/nonexistent\/nft"\) to manage table inet ipgate because the program is not installed or not in PATH \(ERR_NFT_UNAVAILABLE\)/);
      assert.match(String(error), /apt-get install nftables/);
      return true;
    });
    const removed = await runIpgate(['nft', 'remove', '--binary', '/nonexistent/nft']);
    assert.equal(removed.code, 2);
    assert.match(removed.stderr, /ERR_NFT_UNAVAILABLE/);
    const usage = await runIpgate(['nft', 'flush']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^ipgate: nft: unknown subcommand "flush"; expected remove; see .ipgate nft --help. \(ERR_USAGE\)$/m);
  } finally {
    await remove();
  }
});
