import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipgate, tempFiles } from './helpers/offline-cli.js';

const files = tempFiles({
  list: '# admins\n73.140.245.0/24\n73.140.245.128/25, 2001:db8::/32\n',
  empty: '# authorized ranges disabled\n',
  egressOnly: '0.0.0.0/32\n',
  bad: '73.140.245.0/24\n10.0.0.1/24\nAzureCloud\n',
});

test('allowed: exit 0 and the most specific matching entry with its line', async () => {
  const r = await ipgate(['check', '73.140.245.200', '--ranges', files.list ?? '']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^allowed: 73\.140\.245\.200 is in 73\.140\.245\.128\/25 \(.* line 3\)/);
  const v6 = await ipgate(['check', '2001:db8::1', '--ranges', files.list ?? '']);
  assert.equal(v6.code, 0);
  assert.match(v6.stdout, /2001:db8::\/32/);
});

test('denied: exit 1', async () => {
  const r = await ipgate(['check', '73.140.246.1', '--ranges', files.list ?? '']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^denied: 73\.140\.246\.1 is in none of the 3 entries/);
});

test('--json, and IPv4-mapped IPv6 checked as IPv4', async () => {
  const r = await ipgate(['check', '::ffff:73.140.245.9', '--ranges', files.list ?? '', '--json']);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout), {
    address: '::ffff:73.140.245.9', canonical: '73.140.245.9', allowed: true, reason: 'authorized', matched: '73.140.245.0/24', line: 2,
  });
  const denied = await ipgate(['check', '1.1.1.1', '--ranges', files.list ?? '', '--json']);
  assert.equal(denied.code, 1);
  assert.deepEqual(JSON.parse(denied.stdout), { address: '1.1.1.1', allowed: false, reason: 'not-authorized' });
});

test('AKS semantics: empty list = disabled (allowed), 0.0.0.0/32 = egress only (denied)', async () => {
  const open = await ipgate(['check', '8.8.8.8', '--ranges', files.empty ?? '', '--json']);
  assert.equal(open.code, 0);
  assert.deepEqual(JSON.parse(open.stdout), { address: '8.8.8.8', allowed: true, reason: 'disabled' });
  const closed = await ipgate(['check', '8.8.8.8', '--ranges', files.egressOnly ?? '']);
  assert.equal(closed.code, 1);
  assert.match(closed.stdout, /only the cluster's egress addresses/);
});

test('ranges from stdin with "-"', async () => {
  const r = await ipgate(['check', '20.1.2.3', '--ranges', '-'], '20.0.0.0/8,30.0.0.0/8\n');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /20\.0\.0\.0\/8 \(<stdin> line 1\)/);
});

test('bad input exits 2: bad address, invalid list (every line named), usage', async () => {
  const addr = await ipgate(['check', '073.140.245.1', '--ranges', files.list ?? '']);
  assert.equal(addr.code, 2);
  assert.match(addr.stderr, /ERR_IPV4_LEADING_ZERO/);
  const list = await ipgate(['check', '73.140.245.1', '--ranges', files.bad ?? '']);
  assert.equal(list.code, 2);
  assert.match(list.stderr, /ERR_LIST_INVALID/);
  assert.match(list.stderr, /line 2: "10\.0\.0\.1\/24"/);
  assert.match(list.stderr, /line 3: "AzureCloud"/);
  assert.equal(list.stdout, '');
  for (const args of [['check', '1.2.3.4'], ['check', '--ranges', files.list ?? ''], ['check', '1.2.3.4', '--ranges', files.list ?? '', '--nope'], ['check', '1.2.3.4', '5.6.7.8', '--ranges', files.list ?? '']]) {
    const r = await ipgate(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /ERR_USAGE/);
  }
  const missing = await ipgate(['check', '1.2.3.4', '--ranges', `${files.dir ?? ''}/missing.txt`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ERR_FILE_READ.*|missing\.txt/);
});

test('--help', async () => {
  const r = await ipgate(['check', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: ipgate check ADDRESS --ranges FILE \[-o text\|json\|yaml\]/);
  assert.match(r.stdout, /--json +alias of -o json/, 'the old flag is documented as an alias');
});
