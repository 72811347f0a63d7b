import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipgate, tempFiles } from './helpers/offline-cli.js';

const files = tempFiles({
  list: '# two halves and a duplicate\n20.0.0.0/25\n20.0.0.128/25, 20.0.0.0/24\n2001:db8:0:1::/64\n2001:db8::/64\n30.0.0.1\n',
  pair: '20.0.0.0/24\n20.0.2.0/24\n',
  exclude: '20.0.1.0/24\n',
  bad: '20.0.0.0/24\n20.0.1.7/24\n',
});

test('merge: lossless, one canonical prefix a line, IPv4 first', async () => {
  const r = await ipgate(['merge', files.list ?? '']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '20.0.0.0/24\n30.0.0.1/32\n2001:db8::/63\n');
});

test('merge: stdin (no file and "-"), comments and comma lists', async () => {
  for (const args of [['merge'], ['merge', '-']]) {
    const r = await ipgate(args, '1.2.3.0/25,1.2.3.128/25 # pasted\n\n');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '1.2.3.0/24\n');
  }
  const empty = await ipgate(['merge'], '');
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, '');
});

test('merge: invalid entries exit 2 naming every line; bad flags; --help', async () => {
  const r = await ipgate(['merge', files.bad ?? '']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /line 2: "20\.0\.1\.7\/24".*suggestion: 20\.0\.1\.0\/24/);
  assert.equal(r.stdout, '');
  const flag = await ipgate(['merge', '--max', '3']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /ERR_USAGE/);
  const help = await ipgate(['merge', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: ipgate merge \[-o lines\|json\|yaml\] \[FILE\]/);
});

test('condense: optimal cover on stdout, cost on stderr', async () => {
  const r = await ipgate(['condense', '--max', '1', files.pair ?? '']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '20.0.0.0/22\n');
  assert.match(r.stderr, /2 entries -> 1 prefixes/);
  assert.match(r.stderr, /extra addresses: 512 \(100\.0% of the 512 listed\)/);
  const same = await ipgate(['condense', '--max', '2', files.pair ?? '']);
  assert.equal(same.stdout, '20.0.0.0/24\n20.0.2.0/24\n');
  assert.match(same.stderr, /extra addresses: 0 \(0%/);
});

test('condense --format json, and stdin', async () => {
  const r = await ipgate(['condense', '--max', '1', '--format', 'json'], '20.0.0.0/24, 20.0.2.0/24\n');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    ranges: ['20.0.0.0/22'], count: 1, inputEntries: 2, requiredAddresses: 512, extraAddresses: 512, extraShare: 1,
    families: [{ family: 4, count: 1, requiredAddresses: 512, extraAddresses: 512, extraShare: 1 }],
  });
});

test('condense of IPv4 and IPv6 together: --objective share (default) keeps IPv4 tight', async () => {
  const input = '10.0.0.0/24\n10.0.7.0/24\n2001:db8::/48\n2001:db8:3::/48\n';
  const share = await ipgate(['condense', '--max', '3'], input);
  assert.equal(share.code, 0, share.stderr);
  assert.equal(share.stdout, '10.0.0.0/24\n10.0.7.0/24\n2001:db8::/46\n');
  assert.match(share.stderr, /IPv4: 2 prefixes, extra addresses: 0 /);
  const addresses = await ipgate(['condense', '--max', '3', '--objective', 'addresses'], input);
  assert.equal(addresses.stdout, '10.0.0.0/21\n2001:db8::/48\n2001:db8:3::/48\n');
  const bad = await ipgate(['condense', '--max', '3', '--objective', 'fewest'], input);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_USAGE/);
});

test('condense --exclude: the excluded block is never covered; impossible budgets name the smallest K', async () => {
  const r = await ipgate(['condense', '--max', '2', '--exclude', files.exclude ?? '', files.pair ?? '']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '20.0.0.0/24\n20.0.2.0/24\n');
  const impossible = await ipgate(['condense', '--max', '1', '--exclude', files.exclude ?? '', files.pair ?? '']);
  assert.equal(impossible.code, 2);
  assert.match(impossible.stderr, /ERR_CONDENSE_\w+/);
  assert.match(impossible.stderr, /2/);
});

test('condense: usage errors', async () => {
  for (const args of [['condense'], ['condense', '--max', 'ten'], ['condense', '--max', '-1'], ['condense', '--max', '2', '--format', 'csv'], ['condense', '--max', '2', '--bogus'], ['condense', '--max', '2', '--exclude', '-']]) {
    const r = await ipgate(args, '20.0.0.0/24\n');
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /ERR_USAGE/, args.join(' '));
  }
  const help = await ipgate(['condense', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--max K/);
});
